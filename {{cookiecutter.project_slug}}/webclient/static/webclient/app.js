// The client's entry point: loads the auth module the page names, signs in, keeps the socket
// and the store in step, and hands the views the actions they offer the user.
import { createApi, relative } from "./api.js";
import { byId } from "./dom.js";
import { passing } from "./http.js";
import { notifyOfMessage } from "./notifications.js";
import { Connection } from "./socket.js";
import * as store from "./store.js";
import { showSignIn } from "./views/signin.js";
import { mountSearch } from "./views/search.js";
import { mountSidebar } from "./views/sidebar.js";
import { mountConversation } from "./views/conversation.js";
import { mountMembers } from "./views/members.js";
import { mountProfile } from "./views/profile.js";
import { mountRoomSettings } from "./views/room_settings.js";

const { state } = store;
const READ_DELAY_MS = 500;
const readTimers = new Map();
const config = document.body.dataset;
const features = {
  groups: config.groupRooms === "true",
  direct: config.directRooms === "true",
  maxMessageLength: Number(config.maxMessageLength),
  maxUploadBytes: Number(config.maxUploadBytes),
  uploadsAtOnce: Number(config.uploadsAtOnce),
  maxFilesPerMessage: Number(config.maxFilesPerMessage),
};

const auth = (await import(config.authModule)).default;
const api = createApi(auth, { onSignedOut: signedOut });
const connection = new Connection({
  auth,
  onFrame: handleFrame,
  onReady: ready,
  onStateChange: connectionChanged,
  onSignedOut: signedOut,
});

function connectionChanged(status) {
  state.connection = status;
  // A send on its way when the socket dropped: the catch-up tells whether it was stored.
  if (status !== "online") inFlight = null;
  // The interruption was the old socket's: the new one starts with a catch-up.
  if (status !== "online") state.deliveryInterrupted = false;
  // The new socket's session.ready starts a catch-up of its own.
  if (status !== "online") {
    clearTimeout(catchUpRetry);
    catchUpRetry = null;
  }
  store.emit("connection");
}

async function ready(frame) {
  state.me = frame.user;
  state.presence = Boolean(frame.presence);
  if (frame.typing) {
    state.typingTimeoutMs = frame.typing.timeout_seconds * 1000;
    state.typingRefreshMs = frame.typing.refresh_seconds * 1000;
  }
  store.emit("me");
  store.restoreOutbox();
  const caughtUp = catchUp();
  firstReady?.({ caughtUp });
  firstReady = null;
  await caughtUp;
}

// Set while a sign-in waits for its socket's first session.ready, whose catch-up reads the
// page's state: reading it at sign-in as well would read everything twice on every page load.
let firstReady = null;
// How long a sign-in waits for that before reading the state without the socket: a socket
// that cannot open (a proxy that refuses WebSockets) must not leave the page empty.
const SOCKET_WAIT_MS = 3000;

// This page's blocks and unblocks, counted: a list of blocks asked for before one of them must
// not undo it.
let blockChanges = 0;

// Presence events seen, numbered: a members list asked for before one of them must not undo it
// with what was true when the server wrote the list.
let presenceEvents = 0;
const presenceSeenAt = new Map();

function handleFrame(frame) {
  if (frame.type === "presence") presenceSeenAt.set(frame.user.id, ++presenceEvents);
  if (MEMBERSHIP_EVENTS.has(frame.type)) {
    for (const load of membersLoads) if (load.room === frame.room) load.frames.push(frame);
  }
  if (frame.type === "block.added" || frame.type === "block.removed") blockChanges += 1;
  if (CHANGES_ROOM_FIELDS.has(frame.type)) for (const load of roomListLoads) load.push(frame);
  const follow = store.apply(frame);
  if (frame.type === "message.new") notifyOfMessage(frame.message);
  if (frame.type === "message.new" && frame.message.sender?.id === state.me?.id) outageRefusals = 0;
  // A newcomer's presence came before they shared a room with us: the members list has it.
  if (frame.type === "member.joined" && frame.room === state.current) loadMembers(frame.room).catch(catchUpFailed);
  // Someone we had no room with: presence told us nothing of them until now.
  if (frame.type === "room.joined" && state.presence) loadMembers(frame.room.id).catch(catchUpFailed);
  if (!follow) return;
  if (follow.reloadRooms) reloadRooms();
  if (follow.catchUp) catchUpRoom(follow.catchUp).catch(catchUpFailed);
  if (follow.resend) holdSends(follow.resend, follow.after ?? outageWait(outageRefusals++), follow.code);
}

// What the server cannot do just now (its database is out of reach: a send refused as
// unavailable, a catch-up answered 503) is tried again after a wait that doubles with each such
// failure in a row, up to 30 s, each drawn within a fifth of it: the pages of an outage, retrying
// every 2 s in step, would meet the server all at once as it came back. A message stored, or a
// catch-up answered, starts its count again.
const OUTAGE_FIRST_WAIT_MS = 2000;
const OUTAGE_LONGEST_WAIT_MS = 30_000;
let outageRefusals = 0;

function outageWait(failures) {
  const wait = Math.min(OUTAGE_FIRST_WAIT_MS * 2 ** failures, OUTAGE_LONGEST_WAIT_MS);
  return wait * (0.8 + 0.4 * Math.random());
}

// A catch-up, or a part of one, that the server could not answer for the moment: the whole
// catch-up goes again later, and the page says meanwhile that it may lack what was missed.
// Other failures are the user's to read.
let catchUpRetry = null;
let catchUpFailures = 0;

function catchUpFailed(error) {
  if (!passing(error)) {
    // Not the outage's: the page is no longer waiting for the server to answer.
    catchUpAnswered();
    reportError(error);
    return;
  }
  if (!state.catchUpFailing) {
    state.catchUpFailing = true;
    store.emit("connection");
  }
  if (catchUpRetry !== null) return;
  catchUpRetry = setTimeout(() => {
    catchUpRetry = null;
    catchUp();
  }, outageWait(catchUpFailures++));
}

function catchUpAnswered() {
  catchUpFailures = 0;
  if (state.catchUpFailing) {
    state.catchUpFailing = false;
    store.emit("connection");
  }
}

// Sends go out one at a time, each once the one before it is stored (its message.new) or refused
// for good. The server keeps one socket's sends in order, but a send it refuses as too fast
// (rate_limited, unavailable) goes again later, and any send already behind it would be stored
// first: at the turn of a rate-limit window, a burst's later messages get in while its earlier
// ones wait. While a refused send waits out its retry_after, the sends behind it wait too.
let inFlight = null;
let heldTimer = null;
let heldBecause = null; // the refusal's code while sends are held
// A send neither acknowledged nor refused this long: the socket is taken for dead (a network
// path that died without a word, as a switch of networks leaves it, keeps a socket "open" for
// minutes) and opened again; the catch-up then tells whether the send was stored.
const ANSWER_WAIT_MS = 15_000;
let answerTimer = null;

function sendNext() {
  const current = inFlight && state.outbox.get(inFlight);
  if (current && !current.failed && !current.held) return;
  inFlight = null;
  if (heldTimer !== null) return;
  // The outbox keeps the order the sends were made in; those refused for good wait for their
  // user's Retry or Discard, and do not hold up the rest.
  const next = [...state.outbox.values()].find((pending) => !pending.failed);
  if (!next || !connection.send(sendFrame(next))) return;
  const sent = next.client_id;
  inFlight = sent;
  clearTimeout(answerTimer);
  answerTimer = setTimeout(() => inFlight === sent && connection.dropNow(), ANSWER_WAIT_MS);
}

// Whatever changes the outbox (a send, its message.new or refusal, a catch-up, a Retry or a
// Discard) says so with a "messages" event: it is saved for a reload, and the next send goes
// when it can.
store.on("messages", store.saveOutbox);
store.on("messages", sendNext);

// `code` says why, for the page: rate_limited (too fast) or unavailable (the server's outage).
function holdSends(clientId, after, code) {
  if (!state.outbox.has(clientId)) return;
  clearTimeout(heldTimer);
  heldTimer = setTimeout(releaseHeldSends, after);
  heldBecause = code;
  for (const pending of state.outbox.values()) if (!pending.failed) pending.held = code;
  emitOutboxRooms();
}

function releaseHeldSends() {
  heldTimer = null;
  heldBecause = null;
  for (const pending of state.outbox.values()) pending.held = null;
  emitOutboxRooms();
}

function emitOutboxRooms() {
  for (const room of new Set([...state.outbox.values()].map((pending) => pending.room))) {
    store.emit("messages", { room });
  }
}

// After every (re)connect: events are not replayed, so the room list, the missed messages of
// every loaded room and the members' state are read again (docs/websocket.md).
async function catchUp() {
  try {
    await catchUpProfiles(await loadRoomList());
    if (features.groups) {
      state.invitations = new Map((await api.all("/api/invitations/")).map((item) => [item.id, item]));
      store.emit("invitations");
    }
    if (features.direct) {
      // A block or unblock made while the list was on its way is newer than the list.
      const asked = blockChanges;
      const blocks = await api.all("/api/blocks/");
      if (asked === blockChanges) {
        state.blocked = new Set(blocks.map((block) => block.user.id));
        store.emit("blocks");
      }
    }
    await Promise.all([...state.conversations.keys()].filter((id) => store.conversation(id).loaded).map(catchUpRoom));
    if (state.current) {
      await loadMembers(state.current);
      // A read sent as the socket dropped may never have arrived: the room says so.
      if (state.rooms.get(state.current)?.unread) store.conversation(state.current).myCursor = 0;
      store.emit("messages", { room: state.current });
    }
    // What was on its way when the socket dropped and is not in the history now goes again.
    sendNext();
    await loadPeersPresence();
    catchUpAnswered();
  } catch (error) {
    catchUpFailed(error);
  }
}

// The messages missed, then the changes (edits, deletions, reactions) to stored ones: one
// catch-up of a room at a time, gone through again if asked for meanwhile (a burst of events
// after a gap asks once each).
const catchUps = new Map();
function catchUpRoom(roomId) {
  const running = catchUps.get(roomId);
  if (running) {
    running.again = true;
    return running.done;
  }
  const catchUp = { again: false };
  catchUp.done = (async () => {
    try {
      do {
        catchUp.again = false;
        await fetchMissed(roomId);
      } while (catchUp.again);
    } finally {
      catchUps.delete(roomId);
    }
  })();
  catchUps.set(roomId, catchUp);
  return catchUp.done;
}

async function fetchMissed(roomId) {
  const conv = store.conversation(roomId);
  if (!conv.loaded) return;
  let url = `/api/rooms/${roomId}/messages/?after=${store.caughtUpTo(roomId)}`;
  let lastChange;
  while (url) {
    const page = await api.get(url);
    store.mergeMessages(roomId, page.results);
    url = page.next && relative(page.next);
    lastChange = page.last_change;
  }
  // The room's changes as that page was read (after the socket was back): none since those the
  // loaded messages hold means none to fetch; any later one comes as an event.
  if (lastChange <= conv.changedTo) return;
  url = `/api/rooms/${roomId}/messages/?changed_after=${conv.changedTo}`;
  while (url) {
    const page = await api.get(url);
    store.applyChanges(page.results);
    url = page.next && relative(page.next);
    if (!url) store.changedTo(roomId, page.last_change);
  }
}

// The room list as the server has it. A room renamed (or my role in it changed) while the list
// was on its way may be in it as it was: the events that change what the list holds of a room,
// and came meanwhile, are applied again (each sets a value: applying one twice changes nothing).
const CHANGES_ROOM_FIELDS = new Set(["room.updated", "member.updated"]);
const roomListLoads = new Set();
// Its answer: the latest change to what others see of users as the list was read.
async function loadRoomList() {
  const updatedMeanwhile = [];
  roomListLoads.add(updatedMeanwhile);
  let profileChange = 0;
  try {
    const rooms = await api.all("/api/rooms/?limit=200", (page) => {
      profileChange = Math.max(profileChange, page.profile_change ?? 0);
    });
    store.setRooms(rooms);
    for (const frame of updatedMeanwhile) store.apply(frame);
  } finally {
    roomListLoads.delete(updatedMeanwhile);
  }
  return profileChange;
}

// Names and pictures changed, and accounts deleted, while the page was away: everyone it shows
// as they are now. None past the change it shows (most reconnects), nothing to read; any later
// one comes as an event. The first list only says where the page starts.
async function catchUpProfiles(listed) {
  if (state.profilesChangedTo === null || listed <= state.profilesChangedTo) {
    state.profilesChangedTo = Math.max(state.profilesChangedTo ?? 0, listed);
    return;
  }
  let url = `/api/users/changed/?after=${state.profilesChangedTo}`;
  while (url) {
    const page = await api.get(url);
    store.applyChangedUsers(page.results);
    url = page.next && relative(page.next);
    if (!url) state.profilesChangedTo = page.profile_change;
  }
}

let roomsReload = null;
function reloadRooms() {
  // Events that change the list often come in bursts (a join and its first message).
  clearTimeout(roomsReload);
  roomsReload = setTimeout(async () => {
    try {
      await loadRoomList();
    } catch (error) {
      catchUpFailed(error);
    }
  }, 200);
}

// Presence comes as changes only: who is online now is read from the members lists.
async function loadPeersPresence() {
  if (!state.presence) return;
  for (const room of store.sortedRooms().filter((item) => item.kind === "direct").slice(0, 30)) {
    await loadMembers(room.id);
  }
}

// The members lists on their way, each with the membership events that came meanwhile: a list
// the server wrote before someone left (or joined, or changed role) must not undo it.
const MEMBERSHIP_EVENTS = new Set(["member.joined", "member.left", "member.updated"]);
const membersLoads = new Set();

async function loadMembers(roomId) {
  const conv = store.conversation(roomId);
  const asked = presenceEvents;
  const meanwhile = { room: roomId, frames: [] };
  membersLoads.add(meanwhile);
  let members;
  try {
    members = await api.all(`/api/rooms/${roomId}/members/?limit=200`);
  } finally {
    membersLoads.delete(meanwhile);
  }
  conv.members = new Map(members.map((member) => [member.user.id, member]));
  for (const { type, user, role } of meanwhile.frames) {
    if (type === "member.left") conv.members.delete(user.id);
    else if (type === "member.updated" && conv.members.has(user.id)) conv.members.get(user.id).role = role;
    else if (type === "member.joined" && !conv.members.has(user.id)) conv.members.set(user.id, { user, role: "member", last_read: null });
  }
  for (const member of members) {
    const toldSinceAsked = (presenceSeenAt.get(member.user.id) ?? 0) > asked;
    if (!toldSinceAsked && member.online) state.online.add(member.user.id);
    else if (!toldSinceAsked && member.online === false) state.online.delete(member.user.id);
    if (member.user.id !== state.me?.id && member.last_read) conv.receipts.set(member.user.id, member.last_read);
    if (member.user.id === state.me?.id && member.last_read) conv.myCursor = Math.max(conv.myCursor, member.last_read);
  }
  store.emit("members", { room: roomId });
  store.emit("receipts", { room: roomId });
  store.emit("presence");
}

// Retry, for a send refused for good: it goes again in its place in the outbox.
function resend(clientId) {
  const pending = state.outbox.get(clientId);
  if (!pending) return;
  pending.failed = null;
  pending.held = heldBecause;
  store.emit("messages", { room: pending.room });
}

function sendFrame(pending) {
  const frame = { type: "message.send", room: pending.room, body: pending.body, client_id: pending.client_id };
  if (pending.reply_to) frame.reply_to = pending.reply_to.id;
  if (pending.attachments.length) frame.attachments = pending.attachments.map((item) => item.id);
  return frame;
}

function offline() {
  reportError(new Error("Offline: try again once reconnected."));
  return false;
}

function reportError(error) {
  store.emit("error", error.message ?? String(error));
}

const actions = {
  features,
  api,

  async openRoom(roomId) {
    if (!state.rooms.has(roomId)) return;
    state.current = roomId;
    store.emit("current");
    const conv = store.conversation(roomId);
    if (!conv.loaded) {
      const page = await api.get(`/api/rooms/${roomId}/messages/`);
      conv.loaded = true;
      conv.olderUrl = page.next && relative(page.next);
      if (store.changedTo(roomId, page.last_change)) catchUpRoom(roomId).catch(catchUpFailed);
      store.mergeMessages(roomId, page.results);
    }
    await loadMembers(roomId);
  },

  // Pages of results, {results, next}; nextPage(next) brings the following one.
  searchMessages: (query) => api.get(`/api/messages/search/?q=${encodeURIComponent(query)}`),
  nextPage: (url) => api.get(relative(url)),

  // The room opened at one of its messages: older pages loaded back to it (so many at most).
  async showMessage(roomId, messageId) {
    await actions.openRoom(roomId);
    // The address names the room open, as when it is picked from the list: Back, a reload and
    // a click on the room open before all find theirs.
    location.hash = `#room-${roomId}`;
    const conv = store.conversation(roomId);
    for (let pages = 0; !conv.messages.has(messageId) && conv.olderUrl && pages < 40; pages += 1) {
      await actions.loadOlder(roomId);
    }
    store.emit("reveal", { room: roomId, message: messageId });
  },

  // The page before the oldest loaded; asked again while it comes, the same page, awaited.
  loadOlder(roomId) {
    const conv = store.conversation(roomId);
    if (!conv.olderUrl) return Promise.resolve();
    conv.loadingOlder ??= (async () => {
      try {
        const page = await api.get(conv.olderUrl);
        conv.olderUrl = page.next && relative(page.next);
        store.mergeMessages(roomId, page.results);
      } finally {
        conv.loadingOlder = null;
      }
    })();
    return conv.loadingOlder;
  },

  send(roomId, body, replyTo, attachments) {
    const pending = {
      client_id: crypto.randomUUID(),
      room: roomId,
      body,
      reply_to: replyTo,
      attachments,
      sender: state.me,
      created: new Date().toISOString(),
      failed: null,
      // Behind sends the server refused as too fast: goes after them (holdSends).
      held: heldBecause,
    };
    state.outbox.set(pending.client_id, pending);
    // Offline, it waits in the outbox and goes with the catch-up after the reconnect.
    store.emit("messages", { room: roomId, pending: pending.client_id });
  },

  // A 1-to-1 starts with its first message, over REST: there is no room before it.
  async sendDirect(peer, body) {
    const answer = await api.post("/api/direct/", { user: peer.id, body, client_id: crypto.randomUUID() });
    if (!state.rooms.has(answer.room.id)) store.addRoom(answer.room);
    return answer.room.id;
  },

  resend,

  // A send the server refused, taken back by its user: it was never stored.
  discard(clientId) {
    const pending = state.outbox.get(clientId);
    if (!pending) return;
    state.outbox.delete(clientId);
    store.emit("messages", { room: pending.room });
  },

  // Whether the change went out; offline, the page says so (and the edit form stays open).
  edit(messageId, body) {
    return connection.send({ type: "message.edit", message: messageId, body }) || offline();
  },

  remove(messageId) {
    return connection.send({ type: "message.delete", message: messageId }) || offline();
  },

  report: (messageId, reason) => api.post(`/api/messages/${messageId}/reports/`, { reason }),
  ownReports: (messageId) => api.get(`/api/messages/${messageId}/reports/`),

  react(messageId, emoji, add) {
    connection.send({ type: add ? "reaction.add" : "reaction.remove", message: messageId, emoji });
  },

  typing(roomId, active) {
    connection.send({ type: active ? "typing.start" : "typing.stop", room: roomId });
  },

  // At most one read per room and READ_DELAY_MS: a burst of messages read as they arrive
  // would otherwise spend the user's frame budget (rate_limited, then a 4429 close).
  markRead(roomId, stillSeen) {
    if (readTimers.has(roomId)) return;
    readTimers.set(
      roomId,
      setTimeout(() => {
        readTimers.delete(roomId);
        if (!stillSeen()) return;
        const conv = store.conversation(roomId);
        const newest = store.newestId(roomId);
        if (newest > conv.myCursor && connection.send({ type: "room.read", room: roomId, message: newest })) {
          conv.myCursor = newest;
        }
      }, READ_DELAY_MS),
    );
  },

  upload(roomId, file, onProgress) {
    return api.upload(`/api/rooms/${roomId}/attachments/`, file, onProgress);
  },

  async createRoom(name, visibility) {
    const room = await api.post("/api/rooms/", { name, visibility });
    store.addRoom(room);
    return room.id;
  },

  discover: () => api.all("/api/rooms/discover/?limit=200"),

  async join(roomId) {
    const room = await api.post(`/api/rooms/${roomId}/join/`);
    store.addRoom(room);
    return room.id;
  },

  async leave(roomId) {
    await api.post(`/api/rooms/${roomId}/leave/`);
    store.apply({ type: "room.left", room: { id: roomId } });
  },

  async updateRoom(roomId, changes) {
    store.addRoom(await api.patch(`/api/rooms/${roomId}/`, changes));
  },

  async deleteRoom(roomId) {
    await api.delete(`/api/rooms/${roomId}/`);
    store.apply({ type: "room.left", room: { id: roomId } });
    history.replaceState(null, "", location.pathname);
  },

  setRole: (roomId, userId, role) => api.patch(`/api/rooms/${roomId}/members/${userId}/`, { role }),
  transfer: (roomId, userId) => api.post(`/api/rooms/${roomId}/transfer/`, { user: userId }),
  removeMember: (roomId, userId) => api.delete(`/api/rooms/${roomId}/members/${userId}/`),
  ban: (roomId, userId) => api.post(`/api/rooms/${roomId}/bans/`, { user: userId }),

  invite: (roomId, userId) => api.post(`/api/rooms/${roomId}/invitations/`, { user: userId }),

  async accept(invitationId) {
    const room = await api.post(`/api/invitations/${invitationId}/accept/`);
    state.invitations.delete(invitationId);
    store.emit("invitations");
    store.addRoom(room);
    return room.id;
  },

  async decline(invitationId) {
    await api.post(`/api/invitations/${invitationId}/decline/`);
    state.invitations.delete(invitationId);
    store.emit("invitations");
  },

  async updateProfile(changes) {
    state.me = await api.patch("/api/auth/me/", changes);
    store.emit("me");
  },

  // Refused (the wrong password), the account stays, and the socket opens again.
  deleteAccount: (password) =>
    endingMyCredentials(() => api.delete("/api/auth/me/", { password }), "Your account was deleted."),

  async changePassword(current, next) {
    // Every credential of the old password ends, this page's too in the modes with a token,
    // and every socket closes (4401): the page signs in again with the new one and opens its
    // socket anew. Refused (the wrong password, a weak new one), nothing has changed.
    ownChangesUnderWay += 1;
    connection.stop();
    try {
      await api.post("/api/auth/password/", { current_password: current, new_password: next });
      await auth.signIn(state.me.username, next);
    } finally {
      ownChangesUnderWay -= 1;
      connection.start();
    }
  },

  // Refused or unanswered, the page stays signed in and says so: nobody is told they are out
  // everywhere when they are not.
  signOutEverywhere: () =>
    endingMyCredentials(
      () => api.post("/api/auth/logoutall/"),
      "Signed out everywhere: every device and tab signed in as you.",
    ),

  // The server tells every tab of mine (room.hidden), this one included.
  async hideConversation(roomId) {
    await api.post(`/api/rooms/${roomId}/hide/`);
  },

  // Blocking is mine alone: the other person is not told (their messages are refused).
  async block(userId, blocking) {
    if (blocking) await api.post("/api/blocks/", { user: userId });
    else await api.delete(`/api/blocks/${userId}/`);
    blockChanges += 1;
    if (blocking) state.blocked.add(userId);
    else state.blocked.delete(userId);
    store.emit("blocks");
  },

  searchPeople: (query) => api.get(`/api/users/?q=${encodeURIComponent(query)}`),

  async signOut() {
    connection.stop();
    // A room list reload still to come would ask with the credential being ended.
    clearTimeout(roomsReload);
    // Nor may the requests on their way (a catch-up's) be answered after it has ended: each
    // would be refused, and the page would try to renew the credential it is ending.
    await api.settled();
    try {
      await auth.signOut();
    } catch (error) {
      // The server was not told (offline, or it refused): the credential is still good, and
      // this browser still signed in. Said, not hidden behind a sign-in form.
      connection.start();
      const why = error.status ? `${error.message} Try again.` : "the server could not be reached. Try again once reconnected.";
      reportError(new Error(`Not signed out: ${why}`));
      return;
    }
    signedOut();
  },
};

// A change of mine that ends every credential of mine, this page's too, and closes every socket
// of mine (4401): that close, and the refusals of requests on their way, are its doing, not a
// session to renew. Done, the page says why it signed out; failed, it goes on as it was, its
// socket opened again, and the caller has the error.
async function endingMyCredentials(request, why) {
  ownChangesUnderWay += 1;
  connection.stop();
  // A room list reload still to come would ask with a credential being ended.
  clearTimeout(roomsReload);
  try {
    await request();
  } catch (error) {
    connection.start();
    throw error;
  } finally {
    ownChangesUnderWay -= 1;
  }
  signedOut(why);
}

// Once signed out, what was still on its way (a request refused, a renewal) does not replace
// the reason the page gave; nor while the user's own changes to their account (a deletion, a
// new password, signing out everywhere) are under way, which end their credentials themselves.
let signedOutAlready = false;
let ownChangesUnderWay = 0;
function signedOut(message) {
  if (signedOutAlready || ownChangesUnderWay > 0) return;
  signedOutAlready = true;
  connection.stop();
  clearTimeout(catchUpRetry);
  catchUpRetry = null;
  auth.forget();
  api.forgetBlobs();
  store.reset();
  store.emit("signedout");
  byId("app").hidden = true;
  history.replaceState(null, "", location.pathname);
  document.title = "Chat";
  showSignIn(auth, signedIn, message);
}

async function signedIn() {
  signedOutAlready = false;
  state.me = await api.get("/api/auth/me/");
  auth.signedInAs?.(state.me.id);
  byId("signin").hidden = true;
  byId("app").hidden = false;
  store.emit("me");
  const ready = new Promise((resolve) => {
    firstReady = resolve;
  });
  connection.start();
  const wait = new Promise((resolve) => setTimeout(resolve, SOCKET_WAIT_MS));
  const first = await Promise.race([ready, wait]);
  if (signedOutAlready) return;
  if (first) {
    await first.caughtUp;
  } else {
    firstReady = null;
    await catchUp();
  }
  store.emit("signedin");
}

mountSidebar(actions);
mountSearch(actions);
mountConversation(actions);
mountProfile(actions);
if (features.groups) {
  mountRoomSettings(actions);
  mountMembers(actions);
}
// What waits in the room list: unread messages and invitations, counted in the tab's title and,
// on a phone, where the list is behind its button, on the button (in words for screen readers).
function showWaiting() {
  const unread = store.unreadTotal();
  const invitations = state.invitations.size;
  const waiting = unread + invitations;
  document.title = waiting ? `(${waiting}) Chat` : "Chat";
  const toggle = byId("toggle-rooms");
  toggle.textContent = waiting ? `Rooms (${waiting})` : "Rooms";
  const said = [unread && `${unread} unread`, invitations && `${invitations} invitation${invitations === 1 ? "" : "s"}`];
  toggle.setAttribute("aria-label", ["Rooms", ...said.filter(Boolean)].join(", "));
}
store.on("rooms", showWaiting);
store.on("invitations", showWaiting);

try {
  await auth.start();
  if (auth.mayBeSignedIn()) await signedIn();
  else signedOut();
} catch {
  signedOut();
}
