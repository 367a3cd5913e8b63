// DRF token mode: the token goes in the Authorization header; the socket opens with a
// single-use ticket, so the token never appears in a URL. It is kept in sessionStorage: it
// survives a reload but not the tab, and never reaches a cookie the browser would send anywhere.
import { sendJson } from "../http.js";
import { credentialMode } from "./credentials.js";

const KEY = "chat.token";
let token = sessionStorage.getItem(KEY);

async function headers() {
  return token ? { Authorization: `Token ${token}` } : {};
}

function forget() {
  token = null;
  sessionStorage.removeItem(KEY);
}

export default credentialMode({
  mayBeSignedIn: () => Boolean(token),
  headers,
  async signIn(username, password) {
    const answer = await sendJson("POST", "/api/auth/token/", { username, password });
    token = answer.token;
    sessionStorage.setItem(KEY, token);
  },
  forget,
});
