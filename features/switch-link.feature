# Reading (no seed section): the T-Server is up, its link to the switch is not; T-Library answers a
# request then with TERR_NO_SWITCH (54). Nothing is delivered; once the link is back, the next
# operation is delivered and answered as before.
@simulator
Feature: The link to the switch goes down and comes back
  The desktop's connection stays up: only the T-Server's link to the switch is down, and every
  RequestSendEvent meanwhile is refused. A desktop may retry, but must not send the operation twice.

  Background:
    Given an agent desktop on DN 7001
    And a recorder monitoring DNs 7001 and 7002

  # T-Library's TERR_NO_SWITCH (54): the T-Server is up, its link to the switch is not. A desktop
  # may retry the refused operation, but not send it twice once the link is back
  # (desktop.sendsAfterLinkDown, default 1).
  @seat:desktop @seat:tserver @rule:DESK-NO-RESEND @rule:TSRV-REFUSED-NOT-DELIVERED @rule:TSRV-REPLY @rule:REC-ANSWER @rule:REC-MAPPING @rule:TSRV-DELIVERY
  Scenario: The link to the switch is down: the operation is refused, then sent once when the link is back
    When the link to the switch is down
    And the desktop on DN 7001 sends start
    Then the T-Server refuses it with EventError 54
    When the link to the switch is back
    And the desktop on DN 7001 sends start and gets an indication
    Then the exchange conforms to the tagged rules
