/**
 * The environment a worker gets: an allow-list of the host's variables that programs need to run (paths,
 * locale, time zone, GPU selection), never the host's secrets (`BASTION_*` keys, cloud credentials, tokens) nor
 * anything that could change how node starts (`NODE_OPTIONS`). Proxy settings only reach plugins that declare
 * network access.
 */
const ALWAYS = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'TMPDIR',
  'LD_LIBRARY_PATH',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'FONTCONFIG_PATH',
  'FONTCONFIG_FILE',
]);
const ALWAYS_PREFIXES = ['LC_', 'CUDA_', 'NVIDIA_'];
const NETWORK = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']);

export function workerEnv(opts: { network: boolean }, source: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(source)) {
    if (v === undefined) continue;
    if (ALWAYS.has(k) || ALWAYS_PREFIXES.some((p) => k.startsWith(p)) || (opts.network && NETWORK.has(k))) {
      env[k] = v;
    }
  }
  return env;
}
