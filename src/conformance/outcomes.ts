/** How scenarios report to the run: Cucumber attachments of these media types. */
export const RULE_OUTCOMES_MEDIA_TYPE = 'application/vnd.screencap-cert.rule-outcomes+json';
/** The T-Server a scenario ran against, as EventClientRegistered named it. */
export const TSERVER_IDENTITY_MEDIA_TYPE = 'application/vnd.screencap-cert.tserver+json';
