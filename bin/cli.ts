import '../src/polyfills.js';
import { main } from '../cli/main.js';

export { main };
