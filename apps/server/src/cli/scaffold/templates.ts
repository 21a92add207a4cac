import { javascriptTemplate } from './javascript.js';
import type { ScaffoldTemplate } from './template.js';
import { typescriptTemplate } from './typescript.js';

/** Every kind of plugin `bastion new-plugin` makes; the first is the default (no flag). */
export const TEMPLATES: readonly ScaffoldTemplate[] = [javascriptTemplate, typescriptTemplate];
