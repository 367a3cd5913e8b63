// Session mode: Django's session cookie authenticates REST calls and the socket handshake; every
// unsafe request carries the CSRF token from the csrftoken cookie.
import { sendJson, socketBase } from "../http.js";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
// Whether this browser signed in last time: not a credential (the cookie is), only spares a
// signed-out visitor a refused /api/auth/me/. A stale one costs one refusal, then is cleared.
const SIGNED_IN = "chat.signedIn";

function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(value.join("="));
  }
  return "";
}

async function headers(method = "GET") {
  return SAFE.has(method) ? {} : { "X-CSRFToken": csrfToken() };
}

export default {
  mayBeSignedIn: () => localStorage.getItem(SIGNED_IN) === "true",
  async start() {
    // Sets the csrftoken cookie before the first POST (login itself is CSRF-protected).
    await sendJson("GET", "/api/auth/csrf/");
  },
  headers,
  async signIn(username, password) {
    // Signing out may have left no csrftoken cookie to send.
    if (!csrfToken()) await sendJson("GET", "/api/auth/csrf/");
    await sendJson("POST", "/api/auth/login/", { username, password }, await headers("POST"));
    localStorage.setItem(SIGNED_IN, "true");
  },
  async signOut() {
    await sendJson("POST", "/api/auth/logout/", undefined, await headers("POST"));
  },
  forget() {
    localStorage.removeItem(SIGNED_IN);
  },
  async recover() {
    return false;
  },
  async socketUrl() {
    return `${socketBase()}/ws/chat/`;
  },
  onSocketReady() {},
};
