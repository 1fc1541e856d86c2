/** How scenarios report rule outcomes to the run: a Cucumber attachment of this media type. */
export const RULE_OUTCOMES_MEDIA_TYPE = 'application/vnd.screencap-cert.rule-outcomes+json';
