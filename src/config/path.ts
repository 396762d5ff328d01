export type ConfigPath = ReadonlyArray<PropertyKey>;

const PLAIN_KEY = /^[A-Za-z_][\w-]*$/;

/** `['model_list', 2, 'litellm_params', 'api_base']` → `model_list[2].litellm_params.api_base`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const k = String(key);
      if (!PLAIN_KEY.test(k)) out += `[${JSON.stringify(k)}]`;
      else out += out === '' ? k : `.${k}`;
    }
  }
  return out === '' ? '(root)' : out;
}

/** The section a path is in, indices erased: `model_list[3].litellm_params` → `model_list[].litellm_params`. */
export function sectionOf(path: ConfigPath): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? '[]' : out === '' ? String(key) : `.${String(key)}`;
  return out;
}
