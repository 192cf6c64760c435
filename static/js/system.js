// The system console (system admins): the settings a small install changes, read with
// `GET /api/v4/config` and saved with `PUT /api/v4/config` into config.json; Perch applies
// them at its next start. Secrets come back redacted and are left as they are.

import { h, replace, toast } from './dom.js';
import { get, put } from './api.js';
import { isAdmin } from './store.js';
import { ui } from './main.js';

// [section, key, label, kind, help]
const SETTINGS = [
  ['ServiceSettings', 'SiteURL', 'Site URL', 'text', 'The address people and tools reach Perch at (slash commands need it).'],
  ['TeamSettings', 'SiteName', 'Site name', 'text', ''],
  ['ServiceSettings', 'EnableIncomingWebhooks', 'Enable incoming webhooks', 'bool', ''],
  ['ServiceSettings', 'EnableOutgoingWebhooks', 'Enable outgoing webhooks', 'bool', ''],
  ['ServiceSettings', 'EnableCommands', 'Enable custom slash commands', 'bool', ''],
  ['ServiceSettings', 'EnableBotAccountCreation', 'Enable bot accounts', 'bool', ''],
  ['ServiceSettings', 'EnableUserAccessTokens', 'Enable personal access tokens', 'bool', ''],
  ['ServiceSettings', 'EnablePostUsernameOverride', 'Integrations may override the username', 'bool', ''],
  ['ServiceSettings', 'EnablePostIconOverride', 'Integrations may override the profile picture', 'bool', ''],
  ['ServiceSettings', 'AllowedUntrustedInternalConnections', 'Internal addresses integrations may call', 'text', 'Hosts and CIDRs separated by spaces, e.g. 127.0.0.1 ci.lan 192.168.0.0/16'],
  ['ServiceSettings', 'SessionLengthWebInHours', 'Session length (hours)', 'number', ''],
  ['TeamSettings', 'EnableUserCreation', 'Allow creating accounts', 'bool', ''],
  ['RateLimitSettings', 'Enable', 'Rate limiting', 'bool', ''],
  ['RateLimitSettings', 'PerSec', 'Requests per second', 'number', ''],
  ['RateLimitSettings', 'MaxBurst', 'Burst', 'number', ''],
];

export async function systemConsole(main) {
  const body = h('div', { class: 'console' });
  replace(main, ui.topbar(h('h1', null, 'System console')), body);
  if (!isAdmin()) { replace(body, h('p', { role: 'alert' }, 'Only system admins can change the settings.')); return; }
  let config;
  try { config = await get('/config'); } catch (e) { replace(body, h('p', { role: 'alert' }, e.message)); return; }
  const inputs = [];
  const grid = h('div', { class: 'form-grid' });
  for (const [section, key, label, kind, help] of SETTINGS) {
    const value = (config[section] || {})[key];
    if (value === undefined) continue;
    const id = `set-${section}-${key}`;
    const input = kind === 'bool' ? h('input', { id, type: 'checkbox', checked: !!value })
      : h('input', { id, type: kind === 'number' ? 'number' : 'text', value: String(value) });
    inputs.push([section, key, kind, input]);
    grid.append(h('label', { for: id }, label), h('div', null, input, help ? h('div', { class: 'muted small' }, help) : null));
  }
  const status = h('p', { role: 'status', class: 'muted' });
  const form = h('form', { class: 'stack' }, h('h2', null, 'Settings'), grid,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Save'), status));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const next = structuredClone(config);
    for (const [section, key, kind, input] of inputs) {
      next[section][key] = kind === 'bool' ? input.checked : kind === 'number' ? Number(input.value) : input.value;
    }
    try {
      config = await put('/config', next);
      status.textContent = 'Saved to config.json. Perch applies it at its next start.';
      toast('Settings saved');
    } catch (e) {
      status.textContent = '';
      toast(e.message, 'error');
    }
  });
  replace(body, form);
}
