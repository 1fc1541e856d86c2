# Seed 1.3.2: T-Server to Agent Desktop
@seat:tserver @seat:desktop @seat:recorder
Feature: The T-Server delivers the recorder's indication to the agent desktop
  The agent desktop monitoring its DN receives EventUserEvent with the agent's DN, the call's
  connection ID if available, and screen-capture = enabled, disabled or paused, as the recorder sent
  them.

  Background:
    Given an agent desktop on DN 7001
    And a recorder monitoring DN 7001

  @rule:DESK-RECEIVES-INDICATION @rule:TSRV-DELIVERY @rule:REC-MAPPING
  Scenario Outline: the desktop receives the answer to <operation> (by default <indication>) as the recorder sent it
    When the desktop on DN 7001 sends <operation> and gets an indication
    Then the exchange conforms to the tagged rules

    Examples:
      | operation | indication |
      | start     | enabled    |
      | stop      | disabled   |
      | pause     | paused     |

  @rule:DESK-RECEIVES-INDICATION @rule:TSRV-DELIVERY @rule:REC-MAPPING @rule:REC-CONNID @rule:DESK-CONNID
  @calls
  Scenario Outline: during a call the desktop receives the answer to <operation> (by default <indication>) with the call's ConnID
    Given a call is established on DN 7001
    When the desktop on DN 7001 sends <operation>
    Then the desktop on DN 7001 receives an indication
    And the exchange conforms to the tagged rules

    Examples:
      | operation | indication |
      | start     | enabled    |
      | stop      | disabled   |
      | pause     | paused     |
