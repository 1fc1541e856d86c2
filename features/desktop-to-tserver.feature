# Seed 1.1: Agent Desktop to T-Server
@seat:desktop @seat:tserver @seat:recorder
Feature: The agent desktop sends screen-capture operations to the T-Server
  RequestSendEvent on AttrThisDN, a DN the desktop registered, carrying a Tevent whose thisDN is
  AttrThisDN, whose messageType is EventUserEvent, whose connectionID is the voice call's when one is
  available, and whose userData has screen-capture = start, stop, pause, resume or query. The T-Server
  answers with EventACK, or EventError when it cannot perform the request.

  Background:
    Given an agent desktop on DN 7001
    And a recorder monitoring DN 7001

  @rule:DESK-REGISTERED @rule:DESK-THISDN @rule:DESK-MSGTYPE @rule:DESK-CONNID @rule:DESK-OPERATION @rule:TSRV-REPLY
  Scenario Outline: <operation> with no call on the DN carries no ConnID
    When the desktop on DN 7001 sends <operation>
    Then the T-Server replies to it
    And the recorder receives <operation> on DN 7001
    And the exchange conforms to the tagged rules

    Examples:
      | operation |
      | start     |
      | stop      |
      | pause     |
      | resume    |
      | query     |

  @rule:DESK-REGISTERED @rule:DESK-THISDN @rule:DESK-MSGTYPE @rule:DESK-CONNID @rule:DESK-OPERATION @rule:TSRV-REPLY @rule:TSRV-PRESERVE
  @calls
  Scenario Outline: <operation> during a call carries the call's ConnID
    Given a call is established on DN 7001
    When the desktop on DN 7001 sends <operation>
    Then the T-Server replies to it
    And the recorder receives the operation
    And the exchange conforms to the tagged rules

    Examples:
      | operation |
      | start     |
      | stop      |
      | pause     |
      | resume    |
      | query     |

  @rule:DESK-CONNID @rule:DESK-REGISTERED @rule:TSRV-REPLY
  @calls
  Scenario: after the call is released the ConnID is no longer sent
    Given a call is established on DN 7001
    When the desktop on DN 7001 sends start
    And the call on DN 7001 is released
    And the desktop on DN 7001 sends stop
    Then the T-Server replies to it
    And the exchange conforms to the tagged rules
