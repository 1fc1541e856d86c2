# Seed 1.2: T-Server to Recording Vendor
@seat:tserver @seat:desktop @tlib-client
Feature: The T-Server delivers each operation to every client monitoring the agent DN
  The recording vendor who monitors the agent DN receives EventUserEvent with the agent's DN, the
  call's connection ID if available, and the screen-capture userData, as the desktop sent them.
  Clients that do not monitor the DN receive nothing.

  Background:
    Given an agent desktop on DN 7001
    And a recorder monitoring DN 7001
    And a bystander client monitoring DN 7002

  @seat:recorder @rule:TSRV-DELIVERY @rule:TSRV-PRESERVE @rule:TSRV-REPLY
  Scenario Outline: <operation> reaches the recorder and the desktop, and not the bystander
    When the desktop on DN 7001 sends <operation>
    Then the recorder receives <operation> on DN 7001
    And the exchange conforms to the tagged rules

    Examples:
      | operation |
      | start     |
      | stop      |
      | pause     |
      | resume    |
      | query     |

  @seat:recorder @rule:TSRV-DELIVERY @rule:TSRV-PRESERVE @rule:DESK-CONNID
  @calls
  Scenario: during a call the recorder receives the call's ConnID unchanged
    Given a call is established on DN 7001
    When the desktop on DN 7001 sends start
    Then the recorder receives the operation
    And the exchange conforms to the tagged rules

  # Two recorders: the harness plays both, so this one does not run with a recorder under test.
  @rule:TSRV-DELIVERY @rule:TSRV-PRESERVE
  Scenario: two recorders monitoring the same DN both receive the operation once
    Given a recorder monitoring DN 7001
    When the desktop on DN 7001 sends start
    Then every client monitoring DN 7001 receives start
    And the exchange conforms to the tagged rules
