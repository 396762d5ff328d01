/** The key management API's routes (LiteLLM's paths and methods); src/ops/keys/api.ts answers them. */
export const MANAGEMENT_ROUTES = [
  ['/key/generate', 'POST', 'key_generate'],
  ['/key/update', 'POST', 'key_update'],
  ['/key/delete', 'POST', 'key_delete'],
  ['/key/info', 'GET', 'key_info'],
  ['/key/list', 'GET', 'key_list'],
  ['/team/new', 'POST', 'team_new'],
  ['/team/update', 'POST', 'team_update'],
  ['/team/delete', 'POST', 'team_delete'],
  ['/team/info', 'GET', 'team_info'],
  ['/team/list', 'GET', 'team_list'],
] as const;

export type ManagementAction = (typeof MANAGEMENT_ROUTES)[number][2];
