// JWT mode: a short-lived access token in the Authorization header, renewed with the refresh
// token before it expires (REST calls wait for the renewal; the open socket gets the new one
// in-band, auth.refresh, so the server does not close it). The socket opens with a single-use
// ticket. Both tokens are kept in sessionStorage: they survive a reload, not the tab.
import { ApiError, sendJson } from "../http.js";
import { credentialMode } from "./credentials.js";

const KEY = "chat.jwt";
// Renew this long before expiry: a request or a handshake in flight must not arrive late.
const MARGIN_MS = 60_000;

let tokens = JSON.parse(sessionStorage.getItem(KEY) || "null");
let renewing = null;
let timer = null;
let sendFrame = null;

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

// One renewal at a time: the refresh token rotates, and a second use of the old one would be
// refused (it is blacklisted after rotation).
function renew() {
  if (!renewing) {
    renewing = (async () => {
      try {
        keep(await sendJson("POST", "/api/auth/token/refresh/", { refresh: tokens.refresh }));
        sendFrame?.({ type: "auth.refresh", token: tokens.access });
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.status !== 0) forget();
        return false;
      } finally {
        renewing = null;
      }
    })();
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
