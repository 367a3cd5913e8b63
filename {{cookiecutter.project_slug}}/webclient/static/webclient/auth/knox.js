// Knox mode: one expiring token per sign-in, in the Authorization header; the socket opens with
// a single-use ticket. Knox here does not extend tokens, so at expiry the user signs in again
// (the server closes the socket with 4401 then). Kept in sessionStorage: it survives a reload,
// not the tab.
import { sendJson } from "../http.js";
import { credentialMode } from "./credentials.js";

const KEY = "chat.knox";
let credential = JSON.parse(sessionStorage.getItem(KEY) || "null");

function expired() {
  return credential?.expiry != null && Date.parse(credential.expiry) <= Date.now();
}

function forget() {
  credential = null;
  sessionStorage.removeItem(KEY);
}

async function headers() {
  if (expired()) forget();
  return credential ? { Authorization: `Token ${credential.token}` } : {};
}

export default credentialMode({
  mayBeSignedIn: () => Boolean(credential) && !expired(),
  headers,
  async signIn(username, password) {
    const { token, expiry } = await sendJson("POST", "/api/auth/login/", { username, password });
    credential = { token, expiry };
    sessionStorage.setItem(KEY, JSON.stringify(credential));
  },
  forget,
});
