/** The run's settings, read once from the environment (see src/settings.ts). */
import { settingsFromEnv } from '../src/settings.ts';

export const settings = settingsFromEnv();
