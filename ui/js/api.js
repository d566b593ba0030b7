// Every command the backend offers, with its argument names, in one place. Modules call
// these instead of naming commands; a Rust test checks this list against the commands
// the app registers and the error codes against `ErrorCode`.

import { call } from './core.js';

/** The codes a failed command's `{code, message}` can carry (`ErrorCode` in Rust). */
export const ERROR_CODES = [
  'validation.failed', 'not.found', 'file', 'chart', 'local.store', 'keychain',
  'keychain.missing', 'invalid.environment', 'profile.not.found', 'profile.file',
  'profile.invalid', 'profile.exists', 'authentication.failed', 'api',
  'missing.permissions', 'too.many.requests', 'response.malformed', 'transport.timeout',
  'transport.failed', 'confirmation.required', 'profile.read.only', 'delete.incomplete', 'internal',
];

export const api = {
  // Profiles.
  profilesView: () => call('profiles_view'),
  // Without readOnly the profile opens the way it was last opened.
  activateProfile: (name, readOnly = null) => call('activate_profile', { name, readOnly }),
  saveProfile: (form) => call('save_profile', { form }),
  removeProfile: (name) => call('remove_profile', { name }),
  testConnection: (name) => call('test_connection', { name }),
  // Channels.
  loadChannels: () => call('load_channels'),
  editorOptions: () => call('editor_options'),
  checkChannel: (input) => call('check_channel', { input }),
  channelDetail: (deploymentId) => call('channel_detail', { deploymentId }),
  createChannel: (input, confirmation, operation, onProgress) =>
    call('create_channel', { input, confirmation, operation, onProgress }),
  saveDraft: (deploymentId, input) => call('save_draft', { deploymentId, input }),
  publishPreview: (deploymentId) => call('publish_preview', { deploymentId }),
  publishChannel: (deploymentId, input, confirmation, operation, onProgress) =>
    call('publish_channel', { deploymentId, input, confirmation, operation, onProgress }),
  rollbackChannel: (deploymentId, version, confirmation, operation, onProgress) =>
    call('rollback_channel', { deploymentId, version, confirmation, operation, onProgress }),
  deleteChannel: (deploymentId, confirmation) => call('delete_channel', { deploymentId, confirmation }),
  cancelOperation: (operation) => call('cancel_operation', { operation }),
  runningWork: () => call('running_work'),
  resumeWatches: () => call('resume_watches'),
  resumeWatch: (deploymentId, confirmation) => call('resume_watch', { deploymentId, confirmation }),
  quit: () => call('quit'),
  windowShown: (timings) => call('window_shown', { timings }),
  // Fallback.
  fallbackView: (deploymentId) => call('fallback_view', { deploymentId }),
  startFallback: (deploymentId, setup) => call('start_fallback', { deploymentId, setup }),
  stopFallback: (deploymentId) => call('stop_fallback', { deploymentId }),
  // Queue monitor.
  monitorView: (queueId, rangeMinutes, dark) => call('monitor_view', { queueId, rangeMinutes, dark }),
  setQueueThresholds: (queueId, thresholds) => call('set_queue_thresholds', { queueId, thresholds }),
  exportMonitor: (queueId, queueName, rangeMinutes, format) =>
    call('export_monitor', { queueId, queueName, rangeMinutes, format }),
  // Metrics, export and import.
  metricsView: (deploymentId, since) => call('metrics_view', { deploymentId, since }),
  exportChannel: (deploymentId, name) => call('export_channel', { deploymentId, name }),
  chooseImport: () => call('choose_import'),
  importChannel: (path, confirmation, operation, onProgress) =>
    call('import_channel', { path, confirmation, operation, onProgress }),
  diffFile: (deploymentId) => call('diff_file', { deploymentId }),
  // Compare and promote between two profiles.
  planPromotion: (form) => call('plan_promotion', { form }),
  promote: (confirmation, operation, onProgress) => call('promote', { confirmation, operation, onProgress }),
  // The visitor's view.
  testDrive: (setup, operation, onLine) => call('test_drive', { setup, operation, onLine }),
  chooseDriveFile: () => call('choose_drive_file'),
  guestLeftovers: (end) => call('guest_leftovers', { end }),
  liveView: (deploymentId) => call('live_view', { deploymentId }),
  checkPage: (deploymentId, url) => call('check_page', { deploymentId, url }),
  startCanary: (deploymentId, file, everyMinutes, confirmation, dark) =>
    call('start_canary', { deploymentId, file, everyMinutes, confirmation, dark }),
  stopCanary: (deploymentId, dark) => call('stop_canary', { deploymentId, dark }),
  canaryView: (deploymentId, dark) => call('canary_view', { deploymentId, dark }),
};
