// The console's frame: the session, the language, the screens by path, and the
// navigation each role sees. Paths live under /console/ so a screen can be bookmarked and
// reloaded; the gateway answers the same page for every one of them.
import { useEffect, useState } from 'preact/hooks';
import { call, setCsrfToken, whenSignedOut, type Session } from './api.js';
import { LANGUAGES, initialLanguage, rememberLanguage, translator, type Language, type MessageKey, type Translate } from './i18n.js';
import { SignIn } from './screens/sign-in.js';
import { DeviceScreen, DevicesScreen } from './screens/devices.js';
import { OrderScreen, OrdersScreen } from './screens/orders.js';
import { DocumentScreen, DocumentsScreen, UploadScreen } from './screens/documents.js';
import { FinanceScreen } from './screens/finance.js';
import { AuditScreen } from './screens/audit.js';
import { OrganisationScreen } from './screens/organisation.js';
import { KeysScreen } from './screens/keys.js';
import { MappingsScreen } from './screens/mappings.js';
import { TransactionsScreen } from './screens/transactions.js';
import { CreditScreen } from './screens/credit.js';
import { OrganisationsScreen, SuppliersScreen } from './screens/partners.js';
import { UiContext, useUi, type Ui } from './ui.js';

type Role = Session['role'];

/** What each role finds in the navigation, in order; the first is its home. */
const NAVIGATION: Record<Role, { path: string; label: MessageKey }[]> = {
  org_admin: [
    { path: '/console/organisation', label: 'nav.organisation' },
    { path: '/console/devices', label: 'nav.devices' },
    { path: '/console/orders', label: 'nav.orders' },
    { path: '/console/credit', label: 'nav.credit' },
  ],
  reseller: [
    { path: '/console/documents', label: 'nav.documents' },
    { path: '/console/upload', label: 'nav.upload' },
    { path: '/console/transactions', label: 'nav.transactions' },
    { path: '/console/orders', label: 'nav.orders' },
  ],
  finance: [{ path: '/console/finance', label: 'nav.finance' }],
  operator: [
    { path: '/console/devices', label: 'nav.devices' },
    { path: '/console/orders', label: 'nav.orders' },
    { path: '/console/documents', label: 'nav.documents' },
    { path: '/console/finance', label: 'nav.finance' },
    { path: '/console/organisations', label: 'nav.organisations' },
    { path: '/console/suppliers', label: 'nav.suppliers' },
    { path: '/console/keys', label: 'nav.keys' },
    { path: '/console/mappings', label: 'nav.mappings' },
    { path: '/console/audit', label: 'nav.audit' },
  ],
};

function currentPath(): string {
  return location.pathname.replace(/\/+$/, '') || '/console';
}

function Screen({ path }: { path: string }) {
  const ui = useUi();
  const nav = NAVIGATION[ui.session.role];
  const device = /^\/console\/devices\/([^/]+)$/.exec(path);
  if (device) return <DeviceScreen serial={decodeURIComponent(device[1]!)} />;
  const order = /^\/console\/orders\/([^/]+)\/([^/]+)$/.exec(path);
  if (order) return <OrderScreen supplierId={decodeURIComponent(order[1]!)} orderNumber={decodeURIComponent(order[2]!)} />;
  const document = /^\/console\/documents\/([^/]+)$/.exec(path);
  if (document) return <DocumentScreen documentId={decodeURIComponent(document[1]!)} />;
  const allowed = nav.some((n) => n.path === path);
  switch (allowed ? path : nav[0]!.path) {
    case '/console/organisation':
      return <OrganisationScreen />;
    case '/console/devices':
      return <DevicesScreen />;
    case '/console/orders':
      return <OrdersScreen />;
    case '/console/documents':
      return <DocumentsScreen />;
    case '/console/upload':
      return <UploadScreen />;
    case '/console/finance':
      return <FinanceScreen />;
    case '/console/credit':
      return <CreditScreen />;
    case '/console/transactions':
      return <TransactionsScreen />;
    case '/console/organisations':
      return <OrganisationsScreen />;
    case '/console/suppliers':
      return <SuppliersScreen />;
    case '/console/keys':
      return <KeysScreen />;
    case '/console/mappings':
      return <MappingsScreen />;
    case '/console/audit':
      return <AuditScreen />;
    default:
      return <p>{ui.t('common.none')}</p>;
  }
}

function LanguageSwitch({ language, onChange, t }: { language: Language; onChange(l: Language): void; t: Translate }) {
  return (
    <label class="language">
      {t('lang.label')}{' '}
      <select value={language} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value as Language)}>
        {Object.entries(LANGUAGES).map(([code, name]) => (
          <option value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage());
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [ended, setEnded] = useState(false);
  const [path, setPath] = useState(currentPath());
  const t = translator(language);

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = t('app.title');
  }, [language]);

  useEffect(() => {
    whenSignedOut(() => {
      setCsrfToken(null);
      setSession(null);
      setEnded(true);
    });
    call<Session>('/session', { signingIn: true })
      .then((s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
      })
      .catch(() => setSession(null));
    const onPop = () => setPath(currentPath());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const changeLanguage = (l: Language) => {
    rememberLanguage(l);
    setLanguage(l);
  };
  const go = (to: string) => {
    history.pushState(null, '', to);
    setPath(currentPath());
    window.scrollTo(0, 0);
  };

  if (session === undefined) return <p class="loading">{t('common.loading')}</p>;
  if (session === null) {
    return (
      <SignIn
        t={t}
        ended={ended}
        languageSwitch={<LanguageSwitch language={language} onChange={changeLanguage} t={t} />}
        onSignedIn={(s) => {
          setCsrfToken(s.csrfToken);
          setEnded(false);
          setSession(s);
        }}
      />
    );
  }
  const signOut = async () => {
    try {
      await call<void>('/session', { method: 'DELETE' });
    } finally {
      setCsrfToken(null);
      setSession(null);
      history.pushState(null, '', '/console/');
      setPath(currentPath());
    }
  };
  const ui: Ui = { t, language, session, go };
  return (
    <UiContext.Provider value={ui}>
      <header class="top">
        <span class="brand">{t('app.title')}</span>
        <nav aria-label={t('nav.main')}>
          <ul>
            {NAVIGATION[session.role].map((n) => (
              <li>
                <a
                  href={n.path}
                  aria-current={path.startsWith(n.path) ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    go(n.path);
                  }}
                >
                  {t(n.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who" data-testid="who" title={session.principal}>
          {session.principal}
        </span>
        <LanguageSwitch language={language} onChange={changeLanguage} t={t} />
        <button type="button" onClick={signOut}>
          {t('nav.signout')}
        </button>
      </header>
      <main id="main">
        <Screen path={path} />
      </main>
    </UiContext.Provider>
  );
}
