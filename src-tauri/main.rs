fn main() {
    webmsg_desk::run()
}
