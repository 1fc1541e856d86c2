# Seed 1.1 and 1.3.1, Note: "SIP Server responds to the request with either EventACK to confirm the
# acceptance of the request, or EventError if the operation cannot be performed."
@seat:tserver
Feature: Every request is answered by EventACK or EventError, and a refused one is not delivered
  Each EventError code the T-Server simulator can produce (spec/tlib-json.md), provoked by a client
  on the DN a recorder monitors: the error names what was wrong, and the recorder receives nothing.

  Background:
    Given a recorder monitoring DN 7001

  # Seed 1.1: AttrThisDN "must be registered by the T-Client".
  @rule:TSRV-REFUSES-UNREGISTERED @rule:TSRV-REPLY @rule:TSRV-REFUSED-NOT-DELIVERED
  Scenario: a RequestSendEvent on a DN the client did not register is refused with EventError 41
    When a client sends "a RequestSendEvent on a DN it did not register" on DN 7001
    Then the T-Server refuses it
    And the exchange conforms to the tagged rules

  @rule:TSRV-REPLY @rule:TSRV-REFUSED-NOT-DELIVERED @rule:TSRV-ERROR-CODE
  Scenario Outline: <request> is refused with EventError <code>
    When a client sends "<request>" on DN 7001
    Then the T-Server refuses it
    And the exchange conforms to the tagged rules

    Examples:
      | request                                         | code |
      | a malformed ConnID                              | 56   |

  # Genesys's T-Library reference (TSendEvent, TSendUserEvent): T-Server does not check the contents
  # of the event; it distributes it to the clients registered on the DN. EventACK confirms acceptance,
  # not delivery. A recorder meets what such a desktop sends, as it was sent: the desktop's rules
  # (DESK-THISDN, DESK-MSGTYPE) judge it, not the T-Server's: it only had to deliver it, as given.
  @rule:TSRV-REPLY @rule:TSRV-DELIVERY @rule:TSRV-PRESERVE
  Scenario Outline: <request> is acknowledged and delivered as given to the DN's recorder
    When a client sends "<request>" on DN 7001, which the T-Server accepts
    Then the recorder monitoring DN 7001 receives that Tevent as it was sent
    And the exchange conforms to the tagged rules

    Examples:
      | request                                       |
      | a Tevent whose ThisDN differs from AttrThisDN |
      | a Tevent that is not an EventUserEvent        |

  # `sim --strict` (config tserver.strict) refuses them early, for those who want the error at once.
  @rule:TSRV-REPLY @rule:TSRV-REFUSED-NOT-DELIVERED @simulator @strict
  Scenario Outline: <request> is refused with EventError <code> by the simulator in strict mode
    Given the T-Server is the simulator in strict mode
    When a client sends "<request>" on DN 7001
    Then the T-Server refuses it
    And the exchange conforms to the tagged rules

    Examples:
      | request                                       | code |
      | a Tevent that is not an EventUserEvent        | 53   |
      | a Tevent whose ThisDN differs from AttrThisDN | 53   |

  @rule:TSRV-REFUSED-NOT-DELIVERED @simulator
  Scenario Outline: <request> is refused with EventError <code> by the simulator
    When a client sends "<request>" on DN 7001
    Then the T-Server refuses it
    And the exchange conforms to the tagged rules

    Examples:
      | request                                          | code |
      | a RequestSendEvent while an error is injected    | 52   |
      | a RequestSendEvent while the switch link is down | 54   |
      | a RequestSendEvent on a DN the T-Server does not know | 59   |

  Scenario Outline: <request> gets EventError <code>
    When a client sends "<request>" on DN 7001
    Then the T-Server refuses it
    And the exchange conforms to the tagged rules

    @rule:TSRV-ERROR-CODE
    Examples: what the request says calls for the code
      | request                                 | code |
      | an unknown request                      | 51   |
      | a RequestSendEvent without ReferenceID  | 53   |

    @rule:TSRV-REPLY
    Examples: a well-formed request, answered with its ReferenceID
      | request                                 | code |
      | a request before RequestRegisterClient  | 229  |

  @rule:TSRV-ERROR-CODE
  Scenario Outline: <request> is a framing error: EventError <code>, then the connection closes
    When a client sends "<request>" on DN 7001
    Then the T-Server refuses it
    And the T-Server closes that client's connection
    And the exchange conforms to the tagged rules

    Examples:
      | request                  | code |
      | a line that is not JSON  | 102  |
      | a line over 1 MiB        | 107  |
