// The one socket of this tab: opened with the auth module's URL, reopened after any loss with
// exponential backoff and jitter (so that a server restart is not met by every tab at once).
// "ready" is session.ready: only from then on does the socket receive every event, so the
// caller catches up then (docs/websocket.md, "After a reconnect").
import { ApiError } from "./http.js";

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
// 4429: too many sockets or frames; reconnecting at once would be refused again.
const TOO_MANY_DELAY_MS = 10_000;
// Sockets closed 4401 and reopened by auth.recover() in a row, none of them ready: then signed out.
const MAX_RECOVERIES = 3;

export class Connection {
  constructor({ auth, onFrame, onReady, onStateChange, onSignedOut }) {
    this.auth = auth;
    this.onFrame = onFrame;
    this.onReady = onReady;
    this.onStateChange = onStateChange;
    this.onSignedOut = onSignedOut;
    this.ws = null;
    this.ready = false;
    this.stopped = true;
    this.attempt = 0;
    // Sockets opened by auth.recover() since the last session.ready.
    this.recoveries = 0;
    this.timer = null;
    this.reconnectNow = () => {
      if (!this.stopped && !this.ws) this.retry(0);
    };
    // The browser lost its network: the socket may not hear of it for minutes (a dead TCP
    // path stays "open"), so it is given up now, and the page says it is offline at once.
    this.dropNow = () => {
      const ws = this.ws;
      if (this.stopped || !ws) return;
      this.ws = null;
      this.ready = false;
      ws.close();
      this.retry();
    };
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.reconnectNow);
    window.addEventListener("offline", this.dropNow);
    this.open();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.reconnectNow);
    window.removeEventListener("offline", this.dropNow);
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    ws?.close(1000);
  }

  send(frame) {
    // A socket the server is closing is still "ready" until its close event: sending on it
    // would only log an error, and the frame is the caller's to send again after reconnecting.
    if (!this.ready || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  async open() {
    this.onStateChange(this.attempt === 0 ? "connecting" : "offline");
    let url;
    try {
      url = await this.auth.socketUrl();
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof ApiError && error.status === 401 && !(await this.auth.recover())) {
        this.onSignedOut("Your session has ended: sign in again.");
      } else {
        this.retry();
      }
      return;
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.addEventListener("message", (event) => {
      if (this.ws !== ws) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === "session.ready") {
        this.ready = true;
        this.attempt = 0;
        this.recoveries = 0;
        this.auth.onSocketReady((next) => this.send(next));
        this.onStateChange("online");
        this.onReady(frame);
      } else {
        this.onFrame(frame);
      }
    });
    ws.addEventListener("close", async (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      if (this.stopped) return;
      if (event.code === 4401) {
        // The credential expired or was revoked: a fresh one (JWT), or one still good (the
        // session another tab kept, which its sign-in anew replaces in a moment), reconnects at
        // once. Refused again and again before a session.ready, it is not coming back.
        if (this.recoveries < MAX_RECOVERIES && (await this.auth.recover())) {
          this.recoveries += 1;
          this.retry(0);
        } else {
          this.onSignedOut("Your session has ended: sign in again.");
        }
        return;
      }
      this.retry(event.code === 4429 ? TOO_MANY_DELAY_MS : undefined);
    });
  }

  retry(delay) {
    clearTimeout(this.timer);
    this.onStateChange("offline");
    // The browser knows it has no network: its "online" event (reconnectNow) is the signal.
    if (navigator.onLine === false) return;
    if (delay === undefined) {
      const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
      // "Equal jitter": at least half the ceiling, so retries still back off.
      delay = ceiling / 2 + Math.random() * (ceiling / 2);
    }
    this.attempt += 1;
    this.timer = setTimeout(() => this.open(), delay);
  }
}
