// What the client knows, and the socket events applied to it. Views subscribe to topics and
// redraw what changed; nothing here touches the page.

export const state = {
  me: null,
  presence: false,
  typingTimeoutMs: 6000,
  typingRefreshMs: 3000,
  connection: "connecting",
  // The server's live delivery is interrupted (its Redis is out of reach): the socket stays
  // open and my sends are stored, but others' messages arrive only once it resumes.
  deliveryInterrupted: false,
  // The server could not answer the page's catch-up (its database briefly out of reach): what
  // was missed shows once a catch-up tried again is answered.
  catchUpFailing: false,
  rooms: new Map(),
  invitations: new Map(),
  // Room id -> the loaded part of its history, and what is known of its members.
  conversations: new Map(),
  online: new Set(),
  // Messages sent and not yet acknowledged (client_id -> message), resent after a reconnect:
  // the same client_id never stores a message twice.
  outbox: new Map(),
  current: null,
  // Why the conversation that was open closed, when someone else closed it: shown until
  // another opens.
  closedBecause: null,
  // Ids of the users I block (1-to-1 conversations): they cannot write to me.
  blocked: new Set(),
  // The latest change to what others see of users (names, pictures, deleted accounts) that
  // the page shows; null until the first room list says it.
  profilesChangedTo: null,
  // User id -> the number of the change to them last applied: an older one must not undo it.
  profileChanges: new Map(),
};

const listeners = new Map();

export function on(topic, listener) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(listener);
}

export function emit(topic, detail) {
  for (const listener of listeners.get(topic) ?? []) listener(detail);
}

export function displayName(user) {
  if (!user) return "Deleted user";
  return user.display_name || user.username;
}

// " @username" beside a display name, which anyone may choose as theirs: the username, unique
// and unlike any other, tells two people of one display name apart. Empty for a name that is
// the username itself.
export function handle(user) {
  return user?.display_name ? ` @${user.username}` : "";
}

// Whether a message's text names me, @username in any case, not inside a longer name or an
// address (alice@example.com does not; "@alice," does).
export function mentionsMe(body) {
  const name = state.me?.username;
  if (!body || !name) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const nameChar = "[\\p{L}\\p{N}_@+-]|\\.[\\p{L}\\p{N}_]";
  return new RegExp(`(?<![\\p{L}\\p{N}_.@+-])@${escaped}(?!${nameChar})`, "iu").test(body);
}

export function roomName(room) {
  // A 1-to-1 is named by its other person; displayName names one who left as a deleted user.
  return room.kind === "direct" ? displayName(room.peer) : room.name;
}

export function conversation(roomId) {
  if (!state.conversations.has(roomId)) {
    state.conversations.set(roomId, {
      loaded: false,
      messages: new Map(),
      olderUrl: null,
      members: new Map(),
      // User id -> the newest message they read (their receipt).
      receipts: new Map(),
      typing: new Map(),
      myCursor: 0,
      // The room's change number up to which the loaded messages are as the server has them:
      // an edit, deletion or reaction numbered further on means one was missed (a gap).
      changedTo: 0,
      // The highest change number heard of before the first page came: one the page may not show.
      changeHeard: 0,
      // Message id -> the change number last applied, for messages not held too (quoted by a
      // reply, or the room list's last message): an older event must not undo a newer one.
      changes: new Map(),
    });
  }
  return state.conversations.get(roomId);
}

function lastActivity(room) {
  return Date.parse(room.last_message?.created ?? room.created ?? 0) || 0;
}

export function sortedRooms() {
  return [...state.rooms.values()].sort((a, b) => lastActivity(b) - lastActivity(a) || b.id - a.id);
}

export function unreadTotal() {
  let total = 0;
  for (const room of state.rooms.values()) total += room.unread ?? 0;
  return total;
}

export function setRooms(rooms) {
  const ids = new Set(rooms.map((room) => room.id));
  for (const [id, room] of state.rooms) {
    if (ids.has(id)) continue;
    // Gone while this page was offline, its room.left missed: why is not known, that it went is.
    if (state.current === id && room.kind === "group") state.closedBecause = `You are no longer in ${roomName(room)}.`;
    forgetRoom(id);
  }
  for (const room of rooms) {
    const held = state.rooms.get(room.id);
    // A list the server wrote before a live message arrived must not take that message back
    // (nor the unread count it raised).
    const heldIsNewer =
      held?.last_message && (!room.last_message || held.last_message.id > room.last_message.id);
    state.rooms.set(
      room.id,
      heldIsNewer ? { ...room, last_message: held.last_message, unread: held.unread } : room,
    );
  }
  emit("rooms");
}

export function addRoom(room) {
  state.rooms.set(room.id, { unread: 0, last_message: null, ...state.rooms.get(room.id), ...room });
  emit("rooms");
}

// What the page says when the open conversation closes under its reader (room.left's reason).
const CLOSED_BECAUSE = {
  removed: (name) => `You were removed from ${name}.`,
  banned: (name) => `You were banned from ${name}.`,
  deleted: (name) => `${name} was deleted.`,
};

function forgetRoom(id) {
  state.rooms.delete(id);
  state.conversations.delete(id);
  // Its sends not yet stored would each be refused, and spend the user's rate limit: they wait,
  // not sent, for a Retry or a Discard should the room come back.
  for (const pending of state.outbox.values()) {
    if (pending.room === id && !pending.failed) pending.failed = "You are no longer in this room.";
  }
  emit("messages", { room: id });
  if (state.current === id) {
    state.current = null;
    emit("current");
  }
}

export function newestId(roomId) {
  let newest = 0;
  for (const id of conversation(roomId).messages.keys()) newest = Math.max(newest, id);
  return newest;
}

// The newest message before the first gap in seq: a catch-up from there also fetches what a
// live message that arrived first (during a reconnect's catch-up, say) jumped over.
export function caughtUpTo(roomId) {
  const messages = [...conversation(roomId).messages.values()].sort((a, b) => a.seq - b.seq);
  let last = null;
  for (const message of messages) {
    if (last && message.seq > last.seq + 1) break;
    last = message;
  }
  return last ? last.id : 0;
}

function newestSeq(conv) {
  let seq = 0;
  for (const message of conv.messages.values()) seq = Math.max(seq, message.seq);
  return seq;
}

// History pages and catch-ups: one copy per id, whatever arrived on the socket meanwhile.
export function mergeMessages(roomId, messages) {
  const conv = conversation(roomId);
  for (const message of messages) {
    const known = conv.messages.get(message.id);
    // A page read before a change that came live since must not take it back.
    if (known && known.change > message.change) continue;
    conv.messages.set(message.id, known ? { ...message, reactions: message.reactions ?? known.reactions } : message);
    if (message.client_id) state.outbox.delete(message.client_id);
  }
  emit("messages", { room: roomId });
}

function excerpt(message) {
  return {
    id: message.id,
    sender: message.sender,
    excerpt: message.body.slice(0, 100),
    created: message.created,
    deleted: Boolean(message.deleted),
  };
}

function unreadAfter(roomId, cursor) {
  let unread = 0;
  for (const message of conversation(roomId).messages.values()) {
    if (message.id > cursor && !message.deleted && message.sender?.id !== state.me.id) unread += 1;
  }
  return unread;
}

// Wherever each user of `people` (id -> user, or null for a deleted account) is shown
// (messages, quotes, the room list, members): as that. Each view that shows one is redrawn once.
function replaceUsers(people) {
  const replaced = (someone) => (someone && people.has(someone.id) ? people.get(someone.id) : someone);
  for (const room of state.rooms.values()) {
    if (room.peer && people.has(room.peer.id)) room.peer = people.get(room.peer.id);
    if (room.last_message) room.last_message.sender = replaced(room.last_message.sender);
  }
  for (const [roomId, conv] of state.conversations) {
    let shown = false;
    for (const [id, user] of people) {
      const member = conv.members.get(id);
      if (member && user) {
        member.user = user;
        shown = true;
      }
    }
    // New objects: the view redraws a message whose object changed.
    for (const [messageId, message] of conv.messages) {
      if (people.has(message.sender?.id) || people.has(message.reply_to?.sender?.id)) {
        const reply = message.reply_to && { ...message.reply_to, sender: replaced(message.reply_to.sender) };
        conv.messages.set(messageId, { ...message, sender: replaced(message.sender), reply_to: reply });
        shown = true;
      }
    }
    if (!shown) continue;
    emit("messages", { room: roomId });
    emit("members", { room: roomId });
  }
  emit("rooms");
}

// Those of `changes` ([id, change number, user or null]) newer than what is shown of each.
function applyProfileChanges(changes) {
  const people = new Map();
  for (const [id, change, user] of changes) {
    const applied = state.profileChanges.get(id);
    if (applied !== undefined && change !== undefined && applied >= change) continue;
    if (change !== undefined) state.profileChanges.set(id, change);
    if (user && id === state.me?.id) {
      state.me = user;
      emit("me");
    }
    people.set(id, user);
  }
  if (people.size) replaceUsers(people);
}

// GET /api/users/changed/'s page: who changed while the page was away, as they are now.
export function applyChangedUsers(results) {
  applyProfileChanges(results.map(({ id, change, user }) => [id, change, user]));
}

// Returns the rooms that need a catch-up (a gap in `seq`), for the caller to fetch.
export function apply(frame) {
  const handler = handlers[frame.type];
  return handler ? handler(frame) : undefined;
}

const handlers = {
  "message.new"({ message }) {
    const room = state.rooms.get(message.room);
    const conv = conversation(message.room);
    state.outbox.delete(message.client_id);
    let gap = false;
    if (conv.loaded) {
      const seq = newestSeq(conv);
      gap = seq > 0 && message.seq > seq + 1;
    }
    // The open room's first page may still be on its way: kept, it merges with the page. A
    // late answer to a resend does not take back what changed since.
    const known = conv.messages.get(message.id);
    if ((conv.loaded || state.current === message.room) && !(known?.change > message.change)) {
      conv.messages.set(message.id, { reactions: [], ...message });
    }
    stopTyping(message.room, message.sender?.id);
    if (!room) {
      // A hidden 1-to-1 coming back, or a room we have not heard of yet: the caller reloads.
      return { reloadRooms: true };
    }
    if (!room.last_message || room.last_message.id <= message.id) room.last_message = excerpt(message);
    const mine = message.sender?.id === state.me.id;
    if (!mine && message.id > conv.myCursor) room.unread = (room.unread ?? 0) + 1;
    emit("rooms");
    emit("messages", { room: message.room, added: message.id });
    return gap ? { catchUp: message.room } : undefined;
  },
  // Someone's profile changed (mine, in another tab): their name and picture, wherever shown.
  "user.updated"({ user, profile_change: change }) {
    applyProfileChanges([[user.id, change, user]]);
  },
  // Someone deleted their account: their messages stay, from a deleted user.
  "user.deleted"({ user }) {
    applyProfileChanges([[user, Infinity, null]]);
  },
  // Blocked or unblocked in another tab of mine.
  "block.added"({ user }) {
    state.blocked.add(user.id);
    emit("blocks");
  },
  "block.removed"({ user }) {
    state.blocked.delete(user.id);
    emit("blocks");
  },
  "message.updated": replaceMessage,
  "message.deleted": replaceMessage,
  "room.read"({ room: roomId, user, message }) {
    const conv = conversation(roomId);
    if (user.id === state.me.id) {
      conv.myCursor = Math.max(conv.myCursor, message);
      const room = state.rooms.get(roomId);
      if (room) {
        room.unread = room.last_message && message >= room.last_message.id ? 0 : unreadAfter(roomId, conv.myCursor);
        emit("rooms");
      }
    } else {
      conv.receipts.set(user.id, Math.max(conv.receipts.get(user.id) ?? 0, message));
      const member = conv.members.get(user.id);
      if (member) member.last_read = conv.receipts.get(user.id);
      emit("receipts", { room: roomId });
    }
  },
  "typing.start"({ room, user }) {
    const conv = conversation(room);
    clearTimeout(conv.typing.get(user.id)?.timer);
    const timer = setTimeout(() => stopTyping(room, user.id), state.typingTimeoutMs);
    conv.typing.set(user.id, { user, timer });
    emit("typing", { room });
  },
  "typing.stop"({ room, user }) {
    stopTyping(room, user.id);
  },
  presence({ user, status }) {
    if (status === "online") state.online.add(user.id);
    else state.online.delete(user.id);
    emit("presence");
  },
  "reaction.added": (frame) => react(frame, true),
  "reaction.removed": (frame) => react(frame, false),
  "room.joined"({ room }) {
    addRoom(room);
    // History read before the socket followed the room may miss what came in between.
    return { reloadRooms: true, catchUp: room.id };
  },
  "room.left"({ room, reason }) {
    const name = state.rooms.has(room.id) ? roomName(state.rooms.get(room.id)) : null;
    if (state.current === room.id && name !== null && reason in CLOSED_BECAUSE) {
      state.closedBecause = CLOSED_BECAUSE[reason](name);
    }
    forgetRoom(room.id);
    emit("rooms");
  },
  "room.updated"({ room }) {
    if (state.rooms.has(room.id)) addRoom(room);
  },
  "room.hidden"({ room }) {
    forgetRoom(room);
    emit("rooms");
  },
  "member.joined"({ room, user }) {
    const known = state.rooms.get(room);
    if (known && !conversation(room).members.has(user.id)) known.member_count = (known.member_count ?? 0) + 1;
    conversation(room).members.set(user.id, { user, role: "member", last_read: null, online: state.online.has(user.id) });
    emit("members", { room });
    emit("rooms");
  },
  "member.left"({ room, user }) {
    const known = state.rooms.get(room);
    if (known) known.member_count = Math.max(0, (known.member_count ?? 1) - 1);
    conversation(room).members.delete(user.id);
    conversation(room).receipts.delete(user.id);
    emit("members", { room });
    emit("receipts", { room });
    emit("rooms");
  },
  "member.updated"({ room, user, role }) {
    const member = conversation(room).members.get(user.id);
    if (member) member.role = role;
    const known = state.rooms.get(room);
    if (known && user.id === state.me.id) known.role = role;
    emit("members", { room });
    emit("rooms");
  },
  "invitation.new"({ invitation }) {
    state.invitations.set(invitation.id, invitation);
    emit("invitations");
  },
  "invitation.removed"({ invitation }) {
    state.invitations.delete(invitation);
    emit("invitations");
  },
  // A room I moderate: its pending invitations, bans or open reports changed.
  "room.moderation"({ room }) {
    emit("moderation", { room });
  },
  "room.resync"({ room }) {
    if (state.deliveryInterrupted) {
      state.deliveryInterrupted = false;
      emit("connection");
    }
    return { catchUp: room };
  },
  error(frame) {
    if (frame.delivery === "interrupted") {
      state.deliveryInterrupted = true;
      emit("connection");
      return undefined;
    }
    const pending = frame.ref && state.outbox.get(frame.ref);
    if (!pending) {
      // An edit, deletion or reaction refused: the user should know it did not happen.
      if (frame.code !== "rate_limited") emit("error", frame.detail);
      return undefined;
    }
    // Sent again, with the same client_id, once the server can take it: after the wait a
    // refusal as too fast names, or one the client chooses while the server cannot store.
    if (frame.code === "rate_limited") {
      return { resend: frame.ref, after: (frame.retry_after ?? 2) * 1000, code: frame.code };
    }
    if (frame.code === "unavailable") return { resend: frame.ref, code: frame.code };
    pending.failed = frame.detail;
    emit("messages", { room: pending.room });
    return undefined;
  },
};

// A change to a stored message (its edit, deletion or a reaction), numbered `change` in its room:
// whether the room needs a catch-up, for a change missed before this one.
function changeGap(roomId, change) {
  const conv = conversation(roomId);
  if (!Number.isInteger(change)) return false; // a server that does not number changes
  if (!conv.loaded) {
    conv.changeHeard = Math.max(conv.changeHeard, change);
    return false;
  }
  const gap = change > conv.changedTo + 1;
  if (!gap) conv.changedTo = Math.max(conv.changedTo, change);
  return gap;
}

// What a page or a catch-up of changes brought: the loaded messages are as the server had them
// at `lastChange`. Whether a change heard of meanwhile may be missing from them.
export function changedTo(roomId, lastChange) {
  const conv = conversation(roomId);
  conv.changedTo = Math.max(conv.changedTo, lastChange);
  return conv.changeHeard > conv.changedTo;
}

// After a gap an event is not applied: the catch-up brings the message as every change left it
// (an edit's event would keep reactions that a missed change had changed).
function replaceMessage({ message }) {
  if (changeGap(message.room, message.change)) return { catchUp: message.room };
  applyChange(message);
  return undefined;
}

// A catch-up's messages changed since: those loaded are replaced, others left to their pages
// (quotes of them and the room list's last message aside).
export function applyChanges(messages) {
  for (const message of messages) applyChange(message);
}

function applyChange(message) {
  const conv = conversation(message.room);
  const known = conv.messages.get(message.id);
  // Older news: an edit made just before a deletion, published by another server process, may
  // arrive after it, and must not bring the text back (nor into a quote of it).
  if (Math.max(known?.change ?? 0, conv.changes.get(message.id) ?? 0) >= message.change) return;
  conv.changes.set(message.id, message.change);
  // An edit's event leaves the reactions; a deletion takes them with the text; a page has them.
  if (known) conv.messages.set(message.id, { ...message, reactions: message.reactions ?? (message.deleted ? [] : known.reactions) });
  // The replies quoting it quote it as it is now (a deleted message's text is gone from them).
  for (const [id, reply] of conv.messages) {
    if (reply.reply_to?.id === message.id) conv.messages.set(id, { ...reply, reply_to: excerpt(message) });
  }
  const room = state.rooms.get(message.room);
  if (room?.last_message?.id === message.id) {
    room.last_message = excerpt(message);
    emit("rooms");
  }
  emit("messages", { room: message.room, changed: message.id });
}

function react(frame, added) {
  if (changeGap(frame.room, frame.change)) return { catchUp: frame.room };
  reacted(frame, added);
  return undefined;
}

function reacted({ room, message: id, user, emoji, count, change }, added) {
  const message = conversation(room).messages.get(id);
  if (!message || message.change >= change) return;
  message.change = change;
  const reactions = message.reactions ?? [];
  const before = reactions.find((reaction) => reaction.emoji === emoji);
  const me = user.id === state.me.id ? added : Boolean(before?.me);
  // A new array: the view redraws a message whose reactions are not the ones it drew.
  message.reactions = before
    ? reactions.map((reaction) => (reaction === before ? { emoji, count, me } : reaction)).filter((reaction) => reaction.count > 0)
    : count > 0
      ? [...reactions, { emoji, count, me }]
      : reactions;
  emit("messages", { room, changed: id });
}

function stopTyping(room, userId) {
  const conv = state.conversations.get(room);
  const typing = conv?.typing.get(userId);
  if (!typing) return;
  clearTimeout(typing.timer);
  conv.typing.delete(userId);
  emit("typing", { room });
}

// The sends not yet stored, kept for this tab (sessionStorage) and this user: a reload takes
// them up again, where they went with the page (their client_ids keep them from being stored
// twice). Saved whenever the outbox changes, which a "messages" event says.
const OUTBOX_KEY = "chat.outbox";
let savedOutbox = null;

export function saveOutbox() {
  const pending = [...state.outbox.values()].map(({ sender, held, ...kept }) => kept);
  const text = pending.length && state.me ? JSON.stringify({ user: state.me.id, pending }) : null;
  if (text === savedOutbox) return;
  savedOutbox = text;
  if (text === null) sessionStorage.removeItem(OUTBOX_KEY);
  else sessionStorage.setItem(OUTBOX_KEY, text);
}

// Once signed in, before the first catch-up: what the page before this one left unsent.
export function restoreOutbox() {
  if (state.outbox.size) return;
  const saved = JSON.parse(sessionStorage.getItem(OUTBOX_KEY) || "null");
  if (saved?.user !== state.me?.id) {
    sessionStorage.removeItem(OUTBOX_KEY);
    return;
  }
  for (const pending of saved.pending) {
    state.outbox.set(pending.client_id, { ...pending, sender: state.me, held: null });
  }
}

export function reset() {
  sessionStorage.removeItem(OUTBOX_KEY);
  savedOutbox = null;
  state.me = null;
  state.rooms.clear();
  state.invitations.clear();
  state.conversations.clear();
  state.online.clear();
  state.outbox.clear();
  state.current = null;
  state.blocked.clear();
  state.profilesChangedTo = null;
  state.profileChanges.clear();
  state.deliveryInterrupted = false;
  state.catchUpFailing = false;
}
