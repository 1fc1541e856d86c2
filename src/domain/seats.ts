/**
 * The three parties of the documented exchanges, and the profiles a run certifies: `self` plays
 * every seat; each other profile puts the user's component in the seat of that name.
 */

/** A party of the exchanges, and the seat a user's component may take in a run. */
export type Seat = 'desktop' | 'tserver' | 'recorder';

export const PROFILES = ['self', 'recorder', 'desktop', 'tserver'] as const;
export type Profile = (typeof PROFILES)[number];
