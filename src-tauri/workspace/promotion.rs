//! Compare and promote as the window drives them: the plan between two profiles is shown
//! first and kept, and Promote carries out exactly that plan, once.

use serde::Deserialize;

use crate::application::channels::{Confirmation, Progress, PublishOptions};
use crate::application::connection::OpenMode;
use crate::application::promotion::{
    self, DomainRule, IdMap, PlanOptions, PromotionPlan, PromotionReport, Selection,
};
use crate::application::{AppError, Operation};

use super::{lock, Result, Workspace};

/// The Compare form: two profiles, which channels, and the user's maps and domain rules
/// one per line (`kind:SOURCE=TARGET`, `FROM=TO`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PromotionForm {
    pub from: String,
    pub to: String,
    /// A deployment's name; empty for every channel of the source.
    pub name: String,
    pub maps: String,
    pub domain_rules: String,
}

impl PromotionForm {
    fn selection(&self) -> Selection {
        match self.name.trim() {
            "" => Selection::All,
            name => Selection::Name(name.to_string()),
        }
    }

    fn options(&self) -> Result<PlanOptions> {
        let lines = |text: &str| -> Vec<(usize, String)> {
            text.lines()
                .enumerate()
                .map(|(index, line)| (index + 1, line.trim().to_string()))
                .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
                .collect()
        };
        let maps = lines(&self.maps)
            .into_iter()
            .map(|(number, line)| {
                IdMap::parse(&line)
                    .map_err(|e| AppError::invalid(format!("maps, line {number}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let domain_rules = lines(&self.domain_rules)
            .into_iter()
            .map(|(number, line)| {
                DomainRule::parse(&line)
                    .map_err(|e| AppError::invalid(format!("domain rules, line {number}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PlanOptions { maps, domain_rules })
    }
}

/// A plan as the window shows it: what to type to confirm when the target is production.
#[derive(Debug, Clone)]
pub struct PromotionPlanView {
    pub plan: PromotionPlan,
    pub blocked: bool,
    pub target_production: bool,
    pub confirmation_phrase: String,
}

impl Workspace {
    /// Reads both orgs and plans; writes nothing. The plan is kept for [`Self::promote`].
    pub async fn plan_promotion(&self, form: &PromotionForm) -> Result<PromotionPlanView> {
        if form.from == form.to {
            return Err(AppError::invalid(
                "choose two different profiles to compare",
            ));
        }
        let options = form.options()?;
        let from = self.session_named(&form.from, OpenMode::ReadOnly)?;
        let to = self.session_named(&form.to, OpenMode::ReadWrite)?;
        let plan = Box::pin(promotion::plan(&from, &to, &form.selection(), &options)).await?;
        let view = PromotionPlanView {
            blocked: plan.is_blocked(),
            target_production: to.production,
            confirmation_phrase: plan.confirmation_phrase(),
            plan,
        };
        *lock(&self.promotion_plan) = Some(view.plan.clone());
        Ok(view)
    }

    /// Carries out the plan last shown, once: a second Promote needs a new Compare.
    pub async fn promote(
        &self,
        confirmation: Confirmation,
        operation: &str,
        report: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<PromotionReport> {
        let plan = lock(&self.promotion_plan).take().ok_or_else(|| {
            AppError::invalid("there is no plan to carry out; compare the two profiles first")
        })?;
        let target = self.session_named(&plan.to_profile, OpenMode::ReadWrite)?;
        let guard = self.begin_operation(
            operation,
            format!(
                "promoting {} channel(s) into {}",
                plan.channels.len(),
                plan.to_profile
            ),
        );
        let run = Operation::new(&target, guard.token.clone(), report);
        let kept = plan.clone();
        let result = Box::pin(promotion::promote(
            &run,
            plan,
            &PublishOptions::default(),
            &confirmation,
        ))
        .await;
        // A refusal comes before anything is written (a wrong name typed, a blocked
        // plan): the plan stays for another try. A report means it was used.
        if result.is_err() {
            lock(&self.promotion_plan).get_or_insert(kept);
        }
        result
    }
}
