import '../src/polyfills.js';
import { main } from '../src/cli/main.js';

export { main };
