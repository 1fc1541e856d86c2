# Seed 1.3.1: Recording Vendor to T-Server
@seat:recorder @seat:tserver @seat:desktop
Feature: The recorder answers each operation with a screen-capture indication
  RequestSendEvent on the agent's DN with a Tevent whose thisDN is AttrThisDN, messageType
  EventUserEvent, connectionID the call's if available, and userData screen-capture = enabled,
  disabled or paused. Which indication answers which operation is the harness's configurable reading
  (mapping; by default start -> enabled, stop -> disabled, pause -> paused, resume -> enabled, query ->
  unchanged): REC-MAPPING and REC-QUERY-UNCHANGED judge each indication against the configured one.

  Background:
    Given an agent desktop on DN 7001
    And a recorder monitoring DN 7001

  @rule:REC-REGISTERED @rule:REC-THISDN @rule:REC-MSGTYPE @rule:REC-CONNID @rule:REC-INDICATION @rule:REC-ANSWER @rule:REC-MAPPING @rule:TSRV-REPLY @rule:DESK-RECEIVES-INDICATION
  Scenario Outline: <operation> is answered by its configured indication (by default <indication>), with no ConnID
    When the desktop on DN 7001 sends <operation>
    Then the desktop on DN 7001 receives an indication
    And the exchange conforms to the tagged rules

    Examples:
      | operation | indication |
      | start     | enabled    |
      | stop      | disabled   |
      | pause     | paused     |
      | resume    | enabled    |

  @rule:REC-REGISTERED @rule:REC-THISDN @rule:REC-MSGTYPE @rule:REC-CONNID @rule:REC-INDICATION @rule:REC-ANSWER @rule:REC-MAPPING @rule:DESK-CONNID @rule:DESK-RECEIVES-INDICATION
  @calls
  Scenario Outline: during a call, <operation> is answered by its configured indication (by default <indication>) with the call's ConnID
    Given a call is established on DN 7001
    When the desktop on DN 7001 sends <operation>
    Then the desktop on DN 7001 receives an indication
    And the exchange conforms to the tagged rules

    Examples:
      | operation | indication |
      | start     | enabled    |
      | stop      | disabled   |
      | pause     | paused     |
      | resume    | enabled    |

  @rule:REC-ANSWER @rule:REC-QUERY-UNCHANGED @rule:REC-INDICATION @rule:DESK-RECEIVES-INDICATION
  Scenario: query is answered with the current state (initially disabled, by default), and changes nothing
    When the desktop on DN 7001 sends query
    Then the desktop on DN 7001 receives an indication
    When the desktop on DN 7001 sends query
    Then the desktop on DN 7001 receives an indication
    And the exchange conforms to the tagged rules
