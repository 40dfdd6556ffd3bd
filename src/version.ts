// The version printed by -v and recorded in status.json.
import packageJson from '../package.json' with { type: 'json' };

export const VERSION: string = packageJson.version;
