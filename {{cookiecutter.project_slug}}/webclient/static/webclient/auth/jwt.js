// JWT mode: a short-lived access token in the Authorization header, renewed with the refresh
// token before it expires (REST calls wait for the renewal; the open socket gets the new one
// in-band, auth.refresh, so the server does not close it). The socket opens with a single-use
// ticket. Both tokens are kept in sessionStorage: they survive a reload, not the tab.
//
// A refresh token renews once only, and a duplicated tab starts with a copy of its tab's
// sessionStorage: the tabs holding one login take turns to renew (Web Locks), and the one that
// renews hands the new tokens to the others (BroadcastChannel), which would otherwise renew
// with the used token, be refused and sign out.
import { ApiError, sendJson } from "../http.js";
import { credentialMode } from "./credentials.js";

const KEY = "chat.jwt";
// Renew this long before expiry: a request or a handshake in flight must not arrive late.
const MARGIN_MS = 60_000;
// How long a refused renewal waits for another tab's message that it renewed the same token.
const OTHER_TABS_MS = 2_000;

let tokens = JSON.parse(sessionStorage.getItem(KEY) || "null");
let renewing = null;
let timer = null;
let sendFrame = null;
const otherTabs = "BroadcastChannel" in window ? new BroadcastChannel(KEY) : null;

// Calls waiting for another tab's renewal of the tokens they hold.
const awaitingOtherTabs = new Set();

otherTabs?.addEventListener("message", ({ data }) => {
  if (tokens && data.renewed === tokens.refresh) adopt(data.tokens);
  for (const wake of awaitingOtherTabs) wake();
});

// Whether another tab renewed the `used` refresh token: its message may come in just after
// this tab's turn to renew (the lock and the message travel apart), so a refused renewal
// waits for it a moment before signing out.
function renewedElsewhere(used) {
  return new Promise((resolve) => {
    const settle = () => {
      if (tokens?.refresh === used) return;
      awaitingOtherTabs.delete(settle);
      resolve(Boolean(tokens));
    };
    awaitingOtherTabs.add(settle);
    settle();
    setTimeout(() => {
      awaitingOtherTabs.delete(settle);
      resolve(tokens?.refresh !== used && Boolean(tokens));
    }, OTHER_TABS_MS);
  });
}

function adopt(answer) {
  keep(answer);
  sendFrame?.({ type: "auth.refresh", token: tokens.access });
}

function inTurn(work) {
  return navigator.locks ? navigator.locks.request(KEY, work) : work();
}

function expiresAt(jwt) {
  try {
    const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).exp * 1000;
  } catch {
    return 0;
  }
}

function keep(answer) {
  tokens = { access: answer.access, refresh: answer.refresh ?? tokens?.refresh };
  sessionStorage.setItem(KEY, JSON.stringify(tokens));
  schedule();
}

function forget() {
  tokens = null;
  sessionStorage.removeItem(KEY);
  clearTimeout(timer);
}

// One renewal at a time, in this tab and across the tabs of the login: the refresh token
// rotates, and a second use of the old one is refused.
function renew() {
  if (!renewing) {
    const used = tokens.refresh;
    renewing = inTurn(async () => {
      // Renewed by another tab while this one waited for its turn: its tokens are adopted.
      if (tokens?.refresh !== used) return Boolean(tokens);
      try {
        adopt(await sendJson("POST", "/api/auth/token/refresh/", { refresh: used }));
        otherTabs?.postMessage({ renewed: used, tokens });
        return true;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status === 0) return false; // offline
        if (otherTabs && (await renewedElsewhere(used))) return true;
        forget();
        return false;
      }
    }).finally(() => {
      renewing = null;
    });
  }
  return renewing;
}

function schedule() {
  clearTimeout(timer);
  if (!tokens) return;
  const delay = Math.max(5_000, expiresAt(tokens.access) - Date.now() - MARGIN_MS);
  timer = setTimeout(renew, delay);
}

async function headers() {
  if (tokens && expiresAt(tokens.access) - Date.now() < MARGIN_MS / 2) await renew();
  return tokens ? { Authorization: `Bearer ${tokens.access}` } : {};
}

schedule();

export default credentialMode({
  mayBeSignedIn: () => Boolean(tokens),
  headers,
  async signIn(username, password) {
    keep(await sendJson("POST", "/api/auth/token/", { username, password }));
  },
  // The refresh token is blacklisted, so that it cannot renew the access token any more.
  logoutBody: () => ({ refresh: tokens.refresh }),
  forget,
  async recover() {
    return tokens ? renew() : false;
  },
  // The open socket's `send`, for the in-band renewals.
  onSocketReady(send) {
    sendFrame = send;
  },
});
