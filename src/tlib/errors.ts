/** T-Library error codes used by tlib-json (names as in T-Library's tliberr.h). */
export const TErr = {
  NOT_REGISTERED: 41,
  UNSUP_OPER: 51,
  INTERNAL: 52,
  INVALID_ATTR: 53,
  NO_SWITCH: 54,
  INV_CONNID: 56,
  NOT_CONFIGURED: 59,
  MSG_TYPE: 102,
  BAD_MSG_LENGTH: 107,
  MUST_REGISTER: 229,
} as const;

export type TErrCode = (typeof TErr)[keyof typeof TErr];

export const TERR_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(TErr).map(([name, code]) => [code, `TERR_${name}`]),
);

/** "53 (TERR_INVALID_ATTR)" for a known code, the bare number otherwise. */
export function describeErrorCode(code: number): string {
  const name = TERR_NAMES[code];
  return name ? `${code} (${name})` : String(code);
}
