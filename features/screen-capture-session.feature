# Seed 1.1 to 1.3.2, end to end
@seat:desktop @seat:tserver @seat:recorder
Feature: Whole screen-capture sessions
  An agent's screen capture goes through start, pause, resume and stop, with a query in each state,
  with and without an active call; two agents' sessions never cross. Each indication is judged by
  REC-MAPPING and REC-QUERY-UNCHANGED against the configured mapping and initial state; the comments
  give what the default ones call for.

  @rule:DESK-CONNID @rule:TSRV-DELIVERY @rule:TSRV-PRESERVE @rule:REC-ANSWER @rule:REC-MAPPING @rule:REC-QUERY-UNCHANGED @rule:REC-CONNID @rule:DESK-RECEIVES-INDICATION @rule:TSRV-REPLY
  Scenario: a session without a call, with a query in each state
    Given an agent desktop on DN 7001
    And a recorder monitoring DN 7001
    # By default: disabled, enabled, enabled, paused, paused, enabled, enabled, disabled, disabled.
    When the desktop on DN 7001 sends query and gets an indication
    And the desktop on DN 7001 sends start and gets an indication
    And the desktop on DN 7001 sends query and gets an indication
    And the desktop on DN 7001 sends pause and gets an indication
    And the desktop on DN 7001 sends query and gets an indication
    And the desktop on DN 7001 sends resume and gets an indication
    And the desktop on DN 7001 sends query and gets an indication
    And the desktop on DN 7001 sends stop and gets an indication
    And the desktop on DN 7001 sends query and gets an indication
    Then the exchange conforms to the tagged rules

  @rule:DESK-CONNID @rule:TSRV-DELIVERY @rule:TSRV-PRESERVE @rule:REC-ANSWER @rule:REC-MAPPING @rule:REC-QUERY-UNCHANGED @rule:REC-CONNID @rule:DESK-RECEIVES-INDICATION
  @calls
  Scenario: a session during a call, which ends before the last query
    Given an agent desktop on DN 7001
    And a recorder monitoring DN 7001
    And a call is established on DN 7001
    # By default: enabled, paused, paused, enabled, disabled, disabled.
    When the desktop on DN 7001 sends start and gets an indication
    And the desktop on DN 7001 sends pause and gets an indication
    And the desktop on DN 7001 sends query and gets an indication
    And the desktop on DN 7001 sends resume and gets an indication
    And the desktop on DN 7001 sends stop and gets an indication
    And the call on DN 7001 is released
    And the desktop on DN 7001 sends query and gets an indication
    Then the exchange conforms to the tagged rules

  @rule:TSRV-DELIVERY @rule:TSRV-PRESERVE @rule:REC-ANSWER @rule:REC-MAPPING @rule:REC-QUERY-UNCHANGED @rule:DESK-RECEIVES-INDICATION @rule:DESK-CONNID
  @calls
  Scenario: two agents' sessions never cross
    Given an agent desktop on DN 7001
    And an agent desktop on DN 7002
    And a recorder monitoring DNs 7001 and 7002
    And a call is established on DN 7002
    # By default: 7001 enabled, 7002 paused, 7001 enabled, 7002 paused, 7001 disabled.
    When the desktop on DN 7001 sends start and gets an indication
    And the desktop on DN 7002 sends pause and gets an indication
    And the desktop on DN 7001 sends query and gets an indication
    And the desktop on DN 7002 sends query and gets an indication
    And the desktop on DN 7001 sends stop and gets an indication
    Then the exchange conforms to the tagged rules
