import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiFailure, call, type Session } from '../api.js';
import type { Translate } from '../i18n.js';

export function SignIn({ t, ended, languageSwitch, onSignedIn }: { t: Translate; ended: boolean; languageSwitch: ComponentChildren; onSignedIn(s: Session): void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await call<Session>('/session', { method: 'POST', json: { key: key.trim() }, signingIn: true });
      setKey('');
      history.replaceState(null, '', location.pathname.startsWith('/console/') ? location.pathname + location.search : '/console/');
      onSignedIn(session);
    } catch (err) {
      setError(err instanceof ApiFailure ? `${err.error.code}: ${err.error.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>{t('app.title')}</h1>
      {languageSwitch}
      <form onSubmit={submit}>
        <h2>{t('signin.title')}</h2>
        {ended ? (
          <p class="notice" role="status">
            {t('signin.ended')}
          </p>
        ) : null}
        <label for="key">{t('signin.key')}</label>
        <input id="key" name="key" type="password" autocomplete="off" spellcheck={false} required value={key} onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} />
        <p class="help">{t('signin.help')}</p>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {t('signin.submit')}
        </button>
      </form>
    </main>
  );
}
