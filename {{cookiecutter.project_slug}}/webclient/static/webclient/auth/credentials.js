// What the modes with a credential in a header (token, knox, jwt) share: the socket opens with a
// single-use ticket fetched with that header, so the credential never appears in a URL; signing
// out tells the server, then forgets the credential (already refused, it is over anyway).
import { endedAlready, sendJson, socketBase } from "../http.js";

async function socketUrlWithTicket(headers) {
  const { ticket } = await sendJson("POST", "/api/auth/ws-ticket/", undefined, headers);
  return `${socketBase()}/ws/chat/?ticket=${encodeURIComponent(ticket)}`;
}

// An auth module (the interface app.js expects, as session.js spells it out) from what a mode
// has of its own: mayBeSignedIn, headers, signIn and forget at least; `logoutBody()` for a mode
// whose logout names the credential; recover and onSocketReady for one that renews.
export function credentialMode(mode) {
  return {
    async start() {},
    async recover() {
      return false;
    },
    onSocketReady() {},
    // Unanswered (offline), it throws, and the credential is kept: it would still be good.
    async signOut() {
      try {
        if (mode.mayBeSignedIn()) {
          await sendJson("POST", "/api/auth/logout/", mode.logoutBody?.(), await mode.headers());
        }
      } catch (error) {
        if (!endedAlready(error)) throw error;
      }
      mode.forget();
    },
    async socketUrl() {
      return socketUrlWithTicket(await mode.headers());
    },
    ...mode,
  };
}
