# Seed 1.1: AttrThisDN "must be registered by the T-Client, but not necessary be a party on the
# call"; the Tevent's connectionID "Set to the connection ID of the voice call if available".
@seat:tserver @seat:recorder @voice-calls
Feature: Calls as they really are
  The DN a desktop sends on need not be a party on the call; a call's ConnID changes when a
  transfer or conference completes (EventPartyChanged); an agent can hold one call while a
  consultation call is established. The operation carries the ConnID of the agent's voice call as
  it is at that moment (with two calls, the established one: agents.voiceCall), and the recorder's
  indication carries the ConnID of the operation it answers.

  @rule:DESK-CONNID @rule:DESK-REGISTERED @rule:TSRV-PRESERVE @rule:REC-CONNID @rule:DESK-RECEIVES-INDICATION @rule:REC-MAPPING
  @calls @agent-place
  Scenario: a desktop sending on a DN that is not a party on the call
    Given an agent desktop on DN 7002 whose calls are also on DN 7001
    And a recorder monitoring DN 7002
    And a call is established on DN 7001
    When the desktop on DN 7002 sends start and gets an indication
    Then the recorder receives the operation
    When the call on DN 7001 is released
    And the desktop on DN 7002 sends stop and gets an indication
    And the exchange conforms to the tagged rules

  @seat:desktop
  @rule:DESK-CONNID @rule:TSRV-PRESERVE @rule:REC-CONNID @rule:DESK-RECEIVES-INDICATION @rule:REC-MAPPING
  @calls
  Scenario Outline: a <change> mid-session: the operations after it carry the new ConnID
    Given an agent desktop on DN 7001
    And a recorder monitoring DN 7001
    And a call is established on DN 7001
    When the desktop on DN 7001 sends start and gets an indication
    And the call on DN 7001 goes on under a new ConnID after a <change>
    And the desktop on DN 7001 sends pause and gets an indication
    Then the recorder receives the operation
    And the exchange conforms to the tagged rules

    Examples:
      | change     |
      | transfer   |
      | conference |

  @seat:desktop
  @rule:DESK-CONNID @rule:TSRV-PRESERVE @rule:REC-CONNID @rule:DESK-RECEIVES-INDICATION @rule:REC-MAPPING
  @calls
  Scenario: hold and consult: the operation during the consultation carries the consultation call's ConnID
    Given an agent desktop on DN 7001
    And a recorder monitoring DN 7001
    And a call is established on DN 7001
    When the desktop on DN 7001 sends start and gets an indication
    And the agent on DN 7001 holds the call and consults on a second call
    And the desktop on DN 7001 sends pause and gets an indication
    Then the recorder receives the operation
    When the consultation on DN 7001 ends and the held call is retrieved
    And the desktop on DN 7001 sends resume and gets an indication
    Then the recorder receives the operation
    And the exchange conforms to the tagged rules

  @seat:desktop
  @rule:DESK-CONNID @rule:TSRV-PRESERVE @rule:REC-CONNID @rule:DESK-RECEIVES-INDICATION @rule:REC-MAPPING
  @calls
  Scenario: release of one of two calls: the other one is the voice call
    Given an agent desktop on DN 7001
    And a recorder monitoring DN 7001
    And a call is established on DN 7001
    When the agent on DN 7001 holds the call and consults on a second call
    And the desktop on DN 7001 sends start and gets an indication
    And the call on DN 7001 is released
    And the desktop on DN 7001 sends pause and gets an indication
    Then the recorder receives the operation
    And the exchange conforms to the tagged rules
