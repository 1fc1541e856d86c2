# Reading (no seed section): a party that loses its connection to the T-Server, or whose T-Server
# restarts, recovers by itself: it connects again, registers as a client and re-registers its DNs
# within timeouts.recoverMs, then goes on as before. The harness drops connections and restarts the
# T-Server through the simulator, embedded or external (its admin API, tserver.adminUrl); against a
# T-Server without one these scenarios are not run, saying why.
@serviceability @admin-api
Feature: Parties recover from dropped connections and T-Server restarts
  The T-Server forgets every registration of a connection that drops, and all of them when it
  restarts. A conforming desktop and recorder reconnect with a bounded backoff, register again,
  and the next operation is answered as if nothing had happened.

  Background:
    Given an agent desktop on DN 7001
    And a recorder monitoring DNs 7001 and 7002

  @seat:recorder @rule:REC-RECOVERS @rule:REC-ANSWER @rule:REC-MAPPING @rule:TSRV-DELIVERY
  Scenario: The recorder's connection drops: it recovers and answers the next operation
    When the recorder's connection is dropped
    Then the recorder monitors DNs 7001 and 7002 again
    When the desktop on DN 7001 sends start and gets an indication
    Then the exchange conforms to the tagged rules

  @seat:recorder @seat:desktop @rule:REC-RECOVERS @rule:DESK-RECOVERS @rule:DESK-REGISTERED @rule:REC-ANSWER @rule:REC-QUERY-UNCHANGED @rule:TSRV-DELIVERY
  Scenario: The T-Server restarts: desktop and recorder both recover
    When the T-Server restarts
    Then the recorder monitors DNs 7001 and 7002 again
    And the desktop on DN 7001 registers it again
    When the desktop on DN 7001 sends query and gets an indication
    Then the exchange conforms to the tagged rules

  @seat:desktop @rule:DESK-RECOVERS @rule:DESK-REGISTERED @rule:REC-QUERY-UNCHANGED
  Scenario: The desktop's connection drops: it registers its DN again
    When the desktop's connection is dropped
    Then the desktop on DN 7001 registers it again
    When the desktop on DN 7001 sends query and gets an indication
    Then the exchange conforms to the tagged rules

  # A call survives a dropped connection: re-registering its DN, the desktop is told of it again.
  @seat:desktop @calls @rule:DESK-RECOVERS @rule:DESK-CONNID @rule:REC-CONNID @rule:REC-MAPPING
  Scenario: The desktop's connection drops during a call: its next operation carries the call's ConnID
    Given a call is established on DN 7001
    When the desktop's connection is dropped
    Then the desktop on DN 7001 registers it again
    When the desktop on DN 7001 sends start and gets an indication
    Then the exchange conforms to the tagged rules

  # A call does not survive a T-Server restart: re-registering, the desktop is told of none.
  @seat:desktop @calls @rule:DESK-RECOVERS @rule:DESK-CONNID @rule:REC-MAPPING
  Scenario: The T-Server restarts during a call, which does not survive it: the next operation carries no ConnID
    Given a call is established on DN 7001
    When the T-Server restarts
    Then the desktop on DN 7001 registers it again
    And the recorder monitors DNs 7001 and 7002 again
    When the desktop on DN 7001 sends start and gets an indication
    Then the exchange conforms to the tagged rules

  # A restarted recorder comes back afresh: in its initial state (initialState) on every DN. The
  # recorder under test is restarted by recorder.restartCommand; without one this does not run.
  @seat:recorder @recorder-restart @rule:REC-RECOVERS @rule:REC-QUERY-UNCHANGED @rule:REC-ANSWER @rule:REC-MAPPING
  Scenario: The recorder restarts: it comes back, re-registers, and answers query with its initial state (by default disabled)
    When the desktop on DN 7001 sends start and gets an indication
    And the recorder restarts
    Then the recorder monitors DNs 7001 and 7002 again
    When the desktop on DN 7001 sends query and gets an indication
    Then the exchange conforms to the tagged rules

  # Nothing is kept for a client that is not there: EventACK says the T-Server accepted the request,
  # not that anyone received it. The desktop is told nothing (the seed has no such signal); the
  # report records it as an observation, not a failure.
  @seat:tserver @rule:TSRV-REPLY @rule:TSRV-DELIVERY @rule:REC-RECOVERS @rule:REC-QUERY-UNCHANGED
  Scenario: An operation sent while the recorder is away is acknowledged and delivered to no one
    When the recorder's connection is dropped and the desktop on DN 7001 sends start before it is back
    Then the T-Server replies to it, and the desktop is told nothing
    And the recorder monitors DNs 7001 and 7002 again
    When the desktop on DN 7001 sends query and gets an indication
    Then the exchange conforms to the tagged rules
