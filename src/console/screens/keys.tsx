// An operator's keys: those of operators, organisation admins, finance and metrics; make one
// (shown this once), revoke one. Resellers' keys are their credentials, made elsewhere.
import { useState } from 'preact/hooks';
import { call, query } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { Choice, ErrorBox, ListTable, useLatestAnswer } from '../parts.js';

interface KeyView {
  keyId: string;
  role: string;
  orgId: string | null;
  scopeOrgIds?: string[];
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

interface MadeKey {
  keyId: string;
  key: string;
  role: string;
}

const ROLES = ['operator', 'org_admin', 'finance', 'metrics'];

export function KeysScreen() {
  const { t, language } = useUi();
  const [roleFilter, setRoleFilter] = useState('');
  const [keys, setKeys] = useState<KeyView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reloads, setReloads] = useState(0);
  const [role, setRole] = useState('org_admin');
  const [orgId, setOrgId] = useState('');
  const [label, setLabel] = useState('');
  const [made, setMade] = useState<MadeKey | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  useLatestAnswer(
    () => {
      setKeys(null);
      return call<{ items: KeyView[] }>(`/keys${query({ role: roleFilter })}`);
    },
    [roleFilter, reloads],
    (r) => setKeys(r.items),
    setError,
  );
  const make = async (e: Event) => {
    e.preventDefault();
    setMade(null);
    setActionError(null);
    try {
      const answer = await call<MadeKey>('/keys', {
        method: 'POST',
        json: { role, ...(role === 'org_admin' ? { orgId: orgId.trim() } : {}), ...(label.trim() ? { label: label.trim() } : {}) },
      });
      setMade(answer);
      setLabel('');
      setReloads((n) => n + 1);
    } catch (err) {
      setActionError(err);
    }
  };
  const revoke = async (keyId: string) => {
    if (!confirm(t('keys.revoke.confirm', { keyId }))) return;
    setActionError(null);
    try {
      await call(`/keys/${encodeURIComponent(keyId)}`, { method: 'DELETE' });
      setReloads((n) => n + 1);
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <section>
      <h1>{t('keys.title')}</h1>
      <form class="filters" onSubmit={make} aria-labelledby="make-key">
        <h2 id="make-key" class="visually-hidden">
          {t('keys.make')}
        </h2>
        <div class="field">
          <label for="key-role">{t('keys.role')}</label>
          <select id="key-role" name="role" value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value)}>
            {ROLES.map((r) => (
              <option value={r}>{r}</option>
            ))}
          </select>
        </div>
        {role === 'org_admin' ? (
          <div class="field">
            <label for="key-org">{t('devices.organisation')}</label>
            <input id="key-org" name="orgId" required value={orgId} onInput={(e) => setOrgId((e.currentTarget as HTMLInputElement).value)} />
          </div>
        ) : null}
        <div class="field">
          <label for="key-label">{t('keys.label')}</label>
          <input id="key-label" name="label" maxLength={100} value={label} onInput={(e) => setLabel((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit">{t('keys.make')}</button>
      </form>
      <ErrorBox error={actionError} />
      {made ? (
        <div class="notice" role="status" data-testid="made-key">
          <p>{t('keys.made', { keyId: made.keyId })}</p>
          <p>
            <code class="secret">{made.key}</code>
          </p>
        </div>
      ) : null}
      <div class="filters">
        <Choice label={t('keys.showRole')} name="roleFilter" value={roleFilter} options={ROLES} onChange={setRoleFilter} />
      </div>
      <ErrorBox error={error} />
      {error ? null : (
        <ListTable
          items={keys}
          testId="keys"
          columns={[
            { label: t('keys.keyId'), cell: (k) => <code>{k.keyId}</code> },
            { label: t('keys.role'), cell: (k) => k.role },
            { label: t('devices.organisation'), cell: (k) => k.orgId ?? k.scopeOrgIds?.join(', ') ?? '' },
            { label: t('keys.label'), cell: (k) => k.label },
            { label: t('keys.created'), cell: (k) => formatDateTime(k.createdAt, language) },
            {
              label: t('keys.revoked'),
              cell: (k) =>
                k.revokedAt ? (
                  formatDateTime(k.revokedAt, language)
                ) : (
                  <button type="button" class="danger" aria-label={`${t('keys.revoke')} ${k.keyId}`} onClick={() => revoke(k.keyId)}>
                    {t('keys.revoke')}
                  </button>
                ),
            },
          ]}
        />
      )}
    </section>
  );
}
