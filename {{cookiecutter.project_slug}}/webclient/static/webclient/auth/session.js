// Session mode: Django's session cookie authenticates REST calls and the socket handshake; every
// unsafe request carries the CSRF token from the csrftoken cookie.
import { endedAlready, sendJson, socketBase } from "../http.js";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
// Written at each sign-in in the web client, so that the browser's other tabs hear of it (a
// storage event); not a credential (the cookie is). Whether the page starts signed in, the
// server says (start()), this only if it cannot.
const SIGNED_IN = "chat.signedIn";
// How long a tab whose session seems to have ended waits for another tab's sign-in.
const OTHER_TAB_SIGN_IN_MS = 5000;

// Sign-ins in this browser's other tabs, counted, and the waits for the next one.
let signInsElsewhere = 0;
const waitingForSignIn = new Set();
addEventListener("storage", (event) => {
  if (event.key !== SIGNED_IN || !event.newValue) return;
  signInsElsewhere += 1;
  for (const heard of waitingForSignIn) heard();
});

function signInElsewhere(since) {
  if (signInsElsewhere > since) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (heard) => {
      waitingForSignIn.delete(onSignIn);
      clearTimeout(timer);
      resolve(heard);
    };
    const onSignIn = () => done(true);
    const timer = setTimeout(() => done(false), OTHER_TAB_SIGN_IN_MS);
    waitingForSignIn.add(onSignIn);
  });
}

// The id of the user this page is signed in as (app.js tells it).
let signedInUser = null;

// Whether the cookie's session is still this page's user's: another tab may have signed
// someone else in since (a shared computer).
async function sessionIsGood() {
  try {
    const me = await sendJson("GET", "/api/auth/me/");
    return signedInUser === null || me?.id === signedInUser;
  } catch {
    return false;
  }
}

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

// Whether the session is signed in, as the page found it (at the admin, say, or in another tab).
let sessionSignedIn = null;

export default {
  mayBeSignedIn: () => sessionSignedIn ?? localStorage.getItem(SIGNED_IN) !== null,
  async start() {
    // Sets the csrftoken cookie before the first POST (login itself is CSRF-protected), and
    // says whether the cookie's session is signed in.
    sessionSignedIn = (await sendJson("GET", "/api/auth/csrf/"))?.signed_in ?? null;
  },
  headers,
  async signIn(username, password) {
    // Signing out may have left no csrftoken cookie to send.
    if (!csrfToken()) await sendJson("GET", "/api/auth/csrf/");
    await sendJson("POST", "/api/auth/login/", { username, password }, await headers("POST"));
    localStorage.setItem(SIGNED_IN, String(Date.now()));
  },
  // Unanswered (offline), it throws: the cookie would still sign this browser in.
  async signOut() {
    try {
      await sendJson("POST", "/api/auth/logout/", undefined, await headers("POST"));
    } catch (error) {
      if (!endedAlready(error)) throw error;
    }
  },
  forget() {
    localStorage.removeItem(SIGNED_IN);
    signedInUser = null;
  },
  signedInAs(userId) {
    signedInUser = userId;
  },
  // A socket closed 4401, or a request refused 401, while the cookie is good: another tab of
  // this browser changed the password, which closes every socket of the user, and signs in
  // anew (the cookie is every tab's), at once or in a moment. Anything else ends the session.
  async recover() {
    const since = signInsElsewhere;
    if (await sessionIsGood()) return true;
    return (await signInElsewhere(since)) && sessionIsGood();
  },
  async socketUrl() {
    return `${socketBase()}/ws/chat/`;
  },
  onSocketReady() {},
};
