// DRF token mode: the token goes in the Authorization header; the socket opens with a
// single-use ticket, so the token never appears in a URL. It is kept in sessionStorage: it
// survives a reload but not the tab, and never reaches a cookie the browser would send anywhere.
import { sendJson, socketBase } from "../http.js";

const KEY = "chat.token";
let token = sessionStorage.getItem(KEY);

async function headers() {
  return token ? { Authorization: `Token ${token}` } : {};
}

function forget() {
  token = null;
  sessionStorage.removeItem(KEY);
}

export default {
  mayBeSignedIn: () => Boolean(token),
  async start() {},
  headers,
  async signIn(username, password) {
    const answer = await sendJson("POST", "/api/auth/token/", { username, password });
    token = answer.token;
    sessionStorage.setItem(KEY, token);
  },
  async signOut() {
    try {
      await sendJson("POST", "/api/auth/logout/", undefined, await headers());
    } finally {
      forget();
    }
  },
  forget,
  async recover() {
    return false;
  },
  async socketUrl() {
    const { ticket } = await sendJson("POST", "/api/auth/ws-ticket/", undefined, await headers());
    return `${socketBase()}/ws/chat/?ticket=${encodeURIComponent(ticket)}`;
  },
  onSocketReady() {},
};
