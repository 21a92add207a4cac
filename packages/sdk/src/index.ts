/**
 * @bastion/sdk — what a plugin author needs: {@link definePlugin}, {@link defineTool}, {@link InputError} and the
 * types around them. It imports nothing from the server; a plugin depends on this package only.
 */
export { definePlugin, defineTool, type PluginDefinition, type ToolDefinition } from './plugin.js';
export type { CallContext, LoadContext, ToolContext, ValidateContext } from './context.js';
export { InputError, isInputError } from './errors.js';
export type { ArgsOf, JsonSchema, JSONSchema, ResultOf } from './schema.js';
export type { BastionManifest, ModelFormat } from './manifest.js';
