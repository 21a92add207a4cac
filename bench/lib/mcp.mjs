// A bare MCP client over Streamable HTTP for the benchmarks: one session opened with fetch, its headers for
// autocannon. (The SDK's client is what the tests use; here only the requests matter.)

export const MCP_ACCEPT = 'application/json, text/event-stream';

/** One POST /mcp; `headers` are the session's (none for initialize). */
export async function mcpPost(url, message, headers = {}) {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, ...headers },
    body: JSON.stringify(message),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    session: res.headers.get('mcp-session-id'),
    text,
    bytes: Buffer.byteLength(text),
  };
}

/** The JSON-RPC answer in an MCP POST's response: a JSON body, or the `data:` line of an SSE event. */
export function rpcAnswer(answer) {
  if (answer.type.startsWith('application/json')) return JSON.parse(answer.text);
  if (!answer.type.startsWith('text/event-stream')) throw new Error(`MCP answered ${answer.type}`);
  const messages = answer.text
    .split('\n')
    .filter((l) => l.startsWith('data:') && l.slice(5).trim())
    .map((l) => JSON.parse(l.slice(5)));
  const reply = messages.find((m) => 'result' in m || 'error' in m);
  if (!reply) throw new Error(`no JSON-RPC answer in the SSE stream: ${answer.text.slice(0, 200)}`);
  return reply;
}

/** initialize + notifications/initialized; returns { session, version, headers, initType }. */
export async function openMcpSession(url, clientName = 'bench') {
  const init = await mcpPost(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: clientName, version: '1' } },
  });
  if (init.status !== 200 || !init.session) {
    throw new Error(`initialize answered ${init.status}: ${init.text.slice(0, 300)}`);
  }
  const version = rpcAnswer(init).result?.protocolVersion;
  if (typeof version !== 'string')
    throw new Error(`initialize result without protocolVersion: ${init.text.slice(0, 300)}`);
  const headers = { 'mcp-session-id': init.session, 'mcp-protocol-version': version };
  const initialized = await mcpPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}`);
  return { session: init.session, version, headers, initType: init.type };
}

/** A tools/call request; `id` '[<id>]' lets autocannon (-I) put a fresh id in each request. */
export const toolsCall = (name, args, id) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});
