// The open conversation: history (older pages on scroll up), live messages, receipts, typing,
// reactions, edits and deletions; the composer (views/composer.js) writes into it.
import { announce, byId, confirmedButton, count, formatSize, formatTime, h, keepingFocus, linked } from "../dom.js";
import { conversation, displayName, emit, handle, mentionsMe, on, roomName, state } from "../store.js";
import { mountComposer } from "./composer.js";
import { peopleSearch } from "./sidebar.js";

const EMOJIS = ["👍", "❤️", "😂", "🎉", "😮", "😢"];
// Pages of history loaded back, at most, to put the "New messages" line above the first unread.
const MAX_PAGES_FOR_THE_LINE = 10;
// How close to the bottom counts as reading the newest messages.
const BOTTOM_SLACK_PX = 80;

export function mountConversation(actions) {
  const list = byId("messages");
  const scroller = byId("history");
  const olderButton = byId("load-older");
  // Key ("m<id>" or "p<client_id>") -> what was drawn, to redraw only what changed.
  let rendered = new Map();
  const editing = new Set();
  // The message whose reaction picker is open: redrawn (someone else reacts), it stays open.
  let pickerOpenFor = null;
  // The person a 1-to-1 is being started with: no room until its first message.
  let draftPeer = null;
  const composer = mountComposer(actions, {
    draftPeer: () => draftPeer,
    draftSent: (roomId) => {
      draftPeer = null;
      location.hash = `#room-${roomId}`;
    },
  });
  const showError = composer.showError;

  // A refused send taken back into the composer, to change and send anew.
  // Why a message not yet stored waits (app.js, sendNext and holdSends).
  function pendingHint(pending) {
    if (state.connection !== "online") return "Waiting for the connection…";
    if (pending.held === "unavailable") return "The server cannot store messages just now: it goes again in a moment…";
    return pending.held ? "Sent too fast: it goes in a moment…" : "Sending…";
  }

  function editRefused(pending) {
    if (composer.restore(pending)) actions.discard(pending.client_id);
  }

  function current() {
    return state.current === null ? null : state.rooms.get(state.current);
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < BOTTOM_SLACK_PX;
  }

  function markReadIfSeen() {
    // Not while the pages back to the first unread message come in: the newest is not read yet.
    if (!lineSettled) return;
    const room = state.current;
    const seen = () => room === state.current && document.visibilityState === "visible" && nearBottom();
    // Asked again when the read goes: the page may have scrolled away meanwhile (a search
    // result opened far back in the room).
    if (room !== null && seen()) actions.markRead(room, seen);
  }

  // ---- header -------------------------------------------------------------------------------

  function renderHeader() {
    const room = current();
    const title = byId("conversation-title");
    const status = byId("conversation-status");
    if (!room) {
      title.textContent = draftPeer ? `New conversation with ${displayName(draftPeer)}` : "No conversation open";
      status.textContent = draftPeer
        ? "Your first message starts the conversation."
        : state.closedBecause ?? "Choose a conversation, or start one.";
    } else if (room.kind === "direct") {
      title.textContent = roomName(room);
      status.textContent = !room.peer
        ? "They deleted their account: no more messages can be sent here."
        : state.blocked.has(room.peer.id)
          ? "Blocked: they cannot write to you"
          : state.presence ? (state.online.has(room.peer.id) ? "Online" : "Offline") : "";
      // The server refuses what would be written to nobody.
      if (!room.peer) composer.hide();
    } else {
      title.textContent = roomName(room);
      const members = conversation(room.id).members;
      const online = [...members.keys()].filter((id) => state.online.has(id)).length;
      status.textContent = `${room.visibility === "private" ? "Private" : "Public"} room · ${count(room.member_count ?? members.size, "member")}${state.presence ? ` · ${online} online` : ""}`;
    }
    renderHeaderActions(room);
  }

  // Redrawn only when they change: presence and member events come often, and a redraw would
  // take the focus from a button being used.
  let actionsFor = null;
  function renderHeaderActions(room) {
    const blocked = Boolean(room?.peer && state.blocked.has(room.peer.id));
    // An owner's Leave depends on whether anyone else stays.
    const alone = (room?.member_count ?? 0) <= 1;
    const key = room ? `${room.id}:${room.kind}:${room.role}:${blocked}:${Boolean(room.peer)}:${alone}` : null;
    if (key === actionsFor) return;
    actionsFor = key;
    const buttons = byId("conversation-actions");
    // A conversation left or deleted takes its buttons: the title, which now says what is open,
    // takes the focus.
    keepingFocus(buttons, () => drawHeaderActions(buttons, room, blocked), () => byId("conversation-title"));
  }

  function drawHeaderActions(buttons, room, blocked) {
    buttons.replaceChildren();
    if (room?.kind === "direct" && room.peer) {
      const peer = room.peer;
      buttons.append(
        h("button", {
          type: "button",
          class: "secondary",
          "data-focus": "block",
          onclick: () => actions.block(peer.id, !blocked).catch(showError),
        }, blocked ? "Unblock" : "Block"),
        // Off the list (every tab of mine) until its next message brings it back.
        h("button", {
          type: "button",
          class: "secondary",
          "data-focus": "hide",
          onclick: () => actions.hideConversation(room.id).catch(showError),
        }, "Hide"),
      );
    }
    if (!room || room.kind !== "group") return;
    buttons.append(
      h("button", {
        type: "button",
        class: "secondary",
        id: "members-toggle",
        "data-focus": "members",
        "aria-controls": "members-panel",
        "aria-expanded": String(!byId("members-panel").hidden),
        onclick: () => actions.toggleMembers(),
      }, "Members"),
    );
    if (room.role === "owner" || room.role === "admin") {
      buttons.append(
        h("button", { type: "button", class: "secondary", "data-focus": "settings", onclick: () => actions.editRoom(room.id) }, "Room settings"),
        h("button", {
          type: "button",
          class: "secondary",
          id: "invite-toggle",
          "data-focus": "invite",
          "aria-controls": "invite-panel",
          "aria-expanded": String(!byId("invite-panel").hidden),
          onclick: () => showInvite(byId("invite-panel").hidden),
        }, "Invite"),
      );
    }
    const othersStay = (state.rooms.get(room.id)?.member_count ?? 0) > 1;
    if (room.role === "owner" && othersStay) {
      // Refused while others stay: what to do instead, beside the buttons that do it.
      buttons.append(
        h("button", {
          type: "button",
          class: "secondary",
          "data-focus": "leave",
          onclick: () => {
            if (byId("members-panel").hidden) actions.toggleMembers();
            byId("members-error").textContent =
              "To leave, first hand the room to another member (Hand over the room, below), or delete it in Room settings.";
          },
        }, "Leave room"),
      );
      return;
    }
    // The last member's leaving deletes the room, its history with it: counted at the click.
    const leaving = () => ((state.rooms.get(room.id)?.member_count ?? 0) > 1 ? "Confirm: leave" : "Confirm: leave and delete it");
    buttons.append(
      confirmedButton({ class: "secondary", "data-focus": "leave" }, "Leave room", leaving, async () => {
        try {
          await actions.leave(room.id);
          history.replaceState(null, "", location.pathname);
        } catch (error) {
          showError(error);
        }
      }),
    );
  }

  function showInvite(shown) {
    const panel = byId("invite-panel");
    panel.hidden = !shown;
    byId("invite-toggle")?.setAttribute("aria-expanded", String(shown));
    if (shown) byId("invite-search").focus();
  }
  // Escape closes the panel, back to its button.
  byId("invite-panel").addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    showInvite(false);
    byId("invite-toggle")?.focus();
  });

  peopleSearch(
    byId("invite-search"),
    byId("invite-results"),
    (person) => {
      // A member already: nothing to invite them to.
      const member = conversation(state.current).members.has(person.id);
      const note = h("span", { class: "hint" }, member ? "member" : "");
      const invite = member
        ? null
        : h("button", {
            type: "button",
            onclick: async () => {
              try {
                await actions.invite(state.current, person.id);
                note.textContent = "invited";
                invite.remove();
              } catch (error) {
                note.textContent = error.message;
              }
            },
          }, "Invite");
      return h(
        "li",
        { class: "row" },
        h(
          "span",
          { class: "grow" },
          displayName(person),
          person.display_name ? h("span", { class: "hint" }, ` @${person.username}`) : null,
          " ",
          note,
        ),
        invite,
      );
    },
    actions.searchPeople,
    actions.nextPage,
  );

  // ---- messages -----------------------------------------------------------------------------

  function orderedKeys() {
    const conv = conversation(state.current);
    const keys = [...conv.messages.keys()].sort((a, b) => a - b).map((id) => ({ key: `m${id}`, message: conv.messages.get(id) }));
    for (const pending of state.outbox.values()) {
      if (pending.room === state.current) keys.push({ key: `p${pending.client_id}`, message: pending, pending: true });
    }
    return keys;
  }

  // ---- the new-messages line -----------------------------------------------------------------
  // A conversation opened with unread messages: a line above the first of them, where the page
  // starts instead of at the bottom. It stays where it was put until another one opens.

  const newLine = h("li", { class: "new-line", role: "separator" }, h("span", {}, "New messages"));
  // At the start of what a newcomer may read of a room that hides its history from newcomers.
  const historyStart = h("li", { class: "hint history-start" }, "Messages from before you joined are not shown in this room.");
  // Lines among the messages, by their key in the list.
  const lines = { "new-line": newLine, "history-start": historyStart };
  let unreadAtOpen = 0;
  let newLineBefore = null; // the first unread message's id, once its page is in
  let lineSettled = true; // where the line goes (or that none does) is known
  let pagesLoadedForTheLine = 0;

  // The oldest of the last `unreadAtOpen` messages others sent, as far as history is loaded, and
  // whether they are all loaded.
  function firstUnread(conv) {
    let first = null;
    let left = unreadAtOpen;
    for (const id of [...conv.messages.keys()].sort((a, b) => b - a)) {
      if (conv.messages.get(id).sender?.id === state.me.id) continue;
      first = id;
      left -= 1;
      if (left === 0) break;
    }
    return { first, all: left === 0 };
  }

  // Whether the start of the room's history is hidden from this reader: their first message is
  // not the room's first (seq 1), or they see none in a room that hides what came before them.
  function historyHidden(room, wanted) {
    if (room?.kind !== "group") return false;
    const first = wanted.find((item) => item.message && !item.pending);
    return first ? first.message.seq > 1 : room.history_visible === false;
  }

  function syncMessages() {
    if (state.current === null) return;
    const conv = conversation(state.current);
    const bottom = nearBottom();
    const oldHeight = scroller.scrollHeight;
    const firstBefore = list.firstElementChild;
    const wanted = orderedKeys();
    let placingNewLine = false;
    if (!lineSettled && conv.loaded) {
      const { first, all } = firstUnread(conv);
      if (all || !conv.olderUrl || pagesLoadedForTheLine >= MAX_PAGES_FOR_THE_LINE) {
        newLineBefore = first;
        lineSettled = placingNewLine = true;
      } else {
        // More unread than a page: the pages back to the first come in, then the line goes.
        pagesLoadedForTheLine += 1;
        loadOlder();
      }
    }
    const newLineAt = wanted.findIndex((item) => !item.pending && item.message.id === newLineBefore);
    if (newLineAt >= 0) wanted.splice(newLineAt, 0, { key: "new-line" });
    if (conv.loaded && !conv.olderUrl && historyHidden(current(), wanted)) wanted.unshift({ key: "history-start" });
    const next = new Map();
    let previous = null;
    let ownNew = false;
    keepingFocus(list, () => {
      for (const item of wanted) {
        let entry = item.key in lines ? { node: lines[item.key] } : rendered.get(item.key);
        // Deleted meanwhile (by its sender elsewhere, a moderator): nothing left to edit or report.
        if (item.message?.deleted) editing.delete(item.message.id);
        const stale = !(item.key in lines) && (!entry || entry.message !== item.message || entry.reactions !== item.message.reactions || entry.failed !== item.message.failed || entry.held !== item.message.held);
        if (stale && !(entry && editing.has(item.message.id))) {
          const node = messageNode(item.key, item.message, item.pending);
          if (entry) entry.node.replaceWith(node);
          else if (item.pending) ownNew = true;
          entry = { node, message: item.message, reactions: item.message.reactions, failed: item.message.failed, held: item.message.held };
        }
        next.set(item.key, entry);
        const expected = previous ? previous.nextElementSibling : list.firstElementChild;
        if (entry.node !== expected) list.insertBefore(entry.node, expected);
        previous = entry.node;
      }
      for (const [key, entry] of rendered) {
        if (!next.has(key)) entry.node.remove();
      }
    }, () => byId("composer-text"));
    rendered = next;
    announceNew(conv);
    renderReceipts();
    olderButton.hidden = !conv.olderUrl;
    if (placingNewLine && newLineAt >= 0) {
      // Read from the first unread message on, unless they all fit below what is on screen.
      scroller.scrollTop = scroller.scrollHeight;
      const above = newLine.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
      if (above < 0) scroller.scrollTop += above;
    } else if (bottom || ownNew) {
      scroller.scrollTop = scroller.scrollHeight;
    } else if (firstBefore && list.firstElementChild !== firstBefore) {
      // Older messages went above: keep the ones being read where they were.
      scroller.scrollTop += scroller.scrollHeight - oldHeight;
    }
    markReadIfSeen();
  }

  function canDelete(message) {
    const room = current();
    return message.sender?.id === state.me.id || (room?.kind === "group" && (room.role === "owner" || room.role === "admin"));
  }

  // ---- announcements -------------------------------------------------------------------------
  // The history is not a live region: each redraw of a message (a reaction, an edit, a receipt)
  // would be read out again. Screen readers hear the new messages of others, once each.

  const announcements = byId("announcements");
  let announcedUpTo = null; // the newest message id of the open conversation, once drawn

  function announceNew(conv) {
    if (!conv.loaded) return;
    const newest = Math.max(0, ...conv.messages.keys());
    if (announcedUpTo !== null) {
      for (const id of [...conv.messages.keys()].filter((id) => id > announcedUpTo).sort((a, b) => a - b)) {
        const message = conv.messages.get(id);
        if (message.sender?.id === state.me.id || message.deleted) continue;
        const files = message.attachments?.length ? count(message.attachments.length, "file") : "";
        announce(announcements, `${displayName(message.sender)}: ${[message.body, files].filter(Boolean).join(" ")}`);
      }
    }
    announcedUpTo = Math.max(announcedUpTo ?? 0, newest);
  }

  function messageNode(key, message, pending) {
    const mine = message.sender?.id === state.me.id;
    const mention = !mine && !message.deleted && mentionsMe(message.body);
    const classes = ["message", mine && "mine", mention && "mentions-me", pending && "pending", message.deleted && "deleted"].filter(Boolean).join(" ");
    // Focusable from script only: where the focus goes when a control of it goes away.
    const node = h("li", { class: classes, "data-id": pending ? null : message.id, "data-focus": key, tabindex: -1 });
    node.append(
      h(
        "p",
        { class: "meta" },
        avatarNode(message.sender),
        h("strong", { class: "sender", dir: "auto" }, displayName(message.sender)),
        handle(message.sender) ? h("span", { class: "hint handle", dir: "ltr" }, handle(message.sender)) : null,
        " ",
        h("time", { datetime: message.created }, formatTime(message.created)),
        message.edited && !message.deleted ? h("span", { class: "hint" }, " (edited)") : null,
        mention ? h("span", { class: "mention" }, " mentions you") : null,
      ),
    );
    const quoted = message.reply_to;
    if (quoted) {
      node.append(
        h(
          "blockquote",
          { class: "quote" },
          h("span", { class: "visually-hidden" }, "In reply to "),
          h("strong", { dir: "auto" }, displayName(quoted.sender)),
          ": ",
          quoted.deleted ? "Message deleted" : h("span", { dir: "auto" }, quoted.excerpt ?? quoted.body),
        ),
      );
    }
    if (message.deleted) {
      node.append(h("p", { class: "body hint" }, "Message deleted"));
      return node;
    }
    // dir="auto": a message in Hebrew or Arabic reads right to left, its punctuation in place.
    if (message.body) node.append(h("p", { class: "body", dir: "auto" }, ...linked(message.body)));
    if (message.attachments?.length) node.append(attachmentsNode(message.attachments));
    if (pending) {
      node.append(
        message.failed
          ? h(
              "p",
              { class: "error" },
              `Not sent: ${message.failed} `,
              // Again as it is (once unblocked, say), or back in the composer to change (too long).
              h("button", { type: "button", class: "secondary", "data-focus": `${key}:retry`, onclick: () => actions.resend(message.client_id) }, "Retry"),
              " ",
              h("button", { type: "button", class: "secondary", onclick: () => editRefused(message) }, "Edit"),
              " ",
              h("button", { type: "button", class: "secondary", onclick: () => actions.discard(message.client_id) }, "Discard"),
            )
          : h("p", { class: "hint" }, pendingHint(message)),
      );
      return node;
    }
    if (message.reactions?.length) {
      node.append(
        h(
          "div",
          { class: "reactions", role: "group", "aria-label": "Reactions" },
          message.reactions.map((reaction) =>
            h("button", {
              type: "button",
              class: "reaction",
              "data-focus": `${key}:reaction:${reaction.emoji}`,
              "aria-pressed": String(reaction.me),
              onclick: () => actions.react(message.id, reaction.emoji, !reaction.me),
            }, `${reaction.emoji} ${reaction.count}`),
          ),
        ),
      );
    }
    const picker = h(
      "div",
      {
        class: "picker",
        role: "group",
        "aria-label": "Choose a reaction",
        "data-focus": `${key}:react`,
        hidden: pickerOpenFor !== key,
        onkeydown: (event) => {
          if (event.key !== "Escape") return;
          closePicker();
          reactButton.focus();
        },
      },
      EMOJIS.map((emoji) =>
        h("button", {
          type: "button",
          // Redrawn while chosen from, the focus stays on this emoji.
          "data-focus": `${key}:react:${emoji}`,
          onclick: () => {
            closePicker();
            reactButton.focus(); // not left on a button now hidden
            const known = message.reactions?.find((reaction) => reaction.emoji === emoji);
            actions.react(message.id, emoji, !known?.me);
          },
        }, emoji),
      ),
    );
    const reactButton = h("button", {
      type: "button",
      class: "link",
      "data-focus": `${key}:react`,
      "aria-expanded": String(pickerOpenFor === key),
      onclick: () => {
        picker.hidden = !picker.hidden;
        pickerOpenFor = picker.hidden ? null : key;
        reactButton.setAttribute("aria-expanded", String(!picker.hidden));
        if (!picker.hidden) picker.querySelector("button").focus();
      },
    }, "React");
    function closePicker() {
      picker.hidden = true;
      pickerOpenFor = null;
      reactButton.setAttribute("aria-expanded", "false");
    }
    const tools = h(
      "p",
      { class: "tools" },
      h("button", { type: "button", class: "link", "data-focus": `${key}:reply`, onclick: () => composer.startReply(message) }, "Reply"),
      reactButton,
      mine ? h("button", { type: "button", class: "link", "data-focus": `${key}:edit`, onclick: () => startEdit(node, key, message) }, "Edit") : null,
      // Nothing takes a deletion back: it takes a second click, on the button that says so.
      canDelete(message) ? confirmedButton({ class: "link", "data-focus": `${key}:delete` }, "Delete", "Delete it for everyone", () => actions.remove(message.id)) : null,
      reportable(key, message, mine, pending),
    );
    node.append(tools, picker, h("p", { class: "receipts hint" }));
    return node;
  }

  // Decorative (alt=""): the name beside it says who it is. Fetched with the credential.
  function avatarNode(user) {
    if (!user?.avatar) return null;
    const image = h("img", { class: "avatar", alt: "", width: 24, height: 24 });
    actions.api.blobUrl(user.avatar).then((url) => {
      image.src = url;
    }, () => image.remove());
    return image;
  }

  function attachmentsNode(attachments) {
    return h(
      "ul",
      { class: "attachments plain" },
      attachments.map((attachment) => {
        if (attachment.thumbnail_url) {
          const scale = Math.min(1, 320 / Math.max(attachment.width || 1, attachment.height || 1));
          const image = h("img", {
            alt: attachment.name,
            width: Math.round((attachment.width || 320) * scale),
            height: Math.round((attachment.height || 240) * scale),
          });
          actions.api.blobUrl(attachment.thumbnail_url).then((url) => {
            image.src = url;
          }, () => {
            image.alt = `${attachment.name} (preview unavailable)`;
          });
          return h("li", {}, h("button", { type: "button", class: "thumbnail", "aria-label": `Open ${attachment.name}`, onclick: () => openFile(attachment) }, image));
        }
        return h("li", {}, h("button", { type: "button", class: "secondary", onclick: () => openFile(attachment, true) }, `Download ${attachment.name} (${formatSize(attachment.size)})`));
      }),
    );
  }

  async function openFile(attachment, download = false) {
    try {
      const url = await actions.api.blobUrl(attachment.url);
      const link = h("a", { href: url, download: download ? attachment.name : null, target: download ? null : "_blank", rel: "noopener" });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      showError(error);
    }
  }

  function renderReceipts() {
    if (state.current === null) return;
    const conv = conversation(state.current);
    const ids = [...conv.messages.keys()].sort((a, b) => a - b);
    const readers = new Map();
    for (const [userId, cursor] of conv.receipts) {
      // Shown under the newest loaded message they have read.
      let at = null;
      for (const id of ids) {
        if (id <= cursor) at = id;
        else break;
      }
      const member = conv.members.get(userId);
      // Named once the members list is in; a sender having read their own message says nothing.
      if (at === null || !member || conv.messages.get(at).sender?.id === userId) continue;
      if (!readers.has(at)) readers.set(at, []);
      readers.get(at).push(displayName(member.user));
    }
    for (const [key, entry] of rendered) {
      const slot = entry.node.querySelector(".receipts");
      if (!slot || !key.startsWith("m")) continue;
      const names = readers.get(Number(key.slice(1)));
      slot.textContent = names ? `Read by ${names.join(", ")}` : "";
    }
  }

  // Someone else's message may be reported to the room's moderators and the site's staff, once.
  // The messages this page knows were reported; the server, asked as Report is pressed, knows
  // those reported before a reload or from another page.
  const reported = new Set();
  function reportable(key, message, mine, pending) {
    if (mine || pending || message.deleted) return null;
    if (reported.has(message.id)) return h("span", { class: "hint" }, "Reported");
    return h("button", { type: "button", class: "link", "data-focus": `${key}:report`, onclick: () => startReport(key, message) }, "Report");
  }

  // Messages whose Report was pressed and whose server's answer is on its way: pressed again
  // meanwhile, nothing more happens.
  const askingWhetherReported = new Set();

  async function startReport(key, message) {
    if (askingWhetherReported.has(message.id)) return;
    askingWhetherReported.add(message.id);
    let mine;
    try {
      mine = await actions.ownReports(message.id);
    } catch (failure) {
      showError(failure);
      return;
    } finally {
      askingWhetherReported.delete(message.id);
    }
    if (mine.length) {
      reported.add(message.id);
      closeInlineForm(message.id);
      return;
    }
    // Drawn again meanwhile (a reaction came, say): the form goes under the message as it is now.
    const tools = list.querySelector(`[data-id="${message.id}"] .tools`);
    if (!tools) return;
    editing.add(message.id);
    const fieldId = `report-${message.id}`;
    const field = h("textarea", { id: fieldId, rows: 2, maxlength: 500 });
    const error = h("p", { class: "error", role: "alert" });
    const done = () => closeInlineForm(message.id);
    const form = h(
      "form",
      {
        class: "edit",
        "data-focus": `${key}:report`,
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            await actions.report(message.id, field.value.trim());
            reported.add(message.id);
            done();
          } catch (failure) {
            error.textContent = failure.message;
          }
        },
      },
      h("label", { for: fieldId }, "Why report it? (optional; the room's moderators and the site's staff read it)"),
      field,
      error,
      h("p", { class: "buttons" }, h("button", { type: "submit" }, "Send report"), h("button", { type: "button", class: "secondary", onclick: done }, "Cancel")),
    );
    // Escape anywhere in it cancels, as in an edit.
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") done();
    });
    tools.after(form);
    field.focus();
  }

  // An inline form (an edit, a report) closed: the message is drawn again from the store (an
  // edit, once the server confirms it, redraws it anyway).
  function closeInlineForm(messageId) {
    editing.delete(messageId);
    const entry = rendered.get(`m${messageId}`);
    if (entry) entry.message = null;
    syncMessages();
  }

  function startEdit(node, key, message) {
    editing.add(message.id);
    const body = node.querySelector(".body");
    const fieldId = `edit-${message.id}`;
    const field = h("textarea", { id: fieldId, rows: 2, dir: "auto" });
    field.value = message.body;
    const done = () => closeInlineForm(message.id);
    const form = h(
      "form",
      {
        class: "edit",
        "data-focus": `${key}:edit`,
        onsubmit: (event) => {
          event.preventDefault();
          const value = field.value;
          // Files may go without a caption; a message of text alone is deleted, not emptied.
          if (!value.trim() && !message.attachments?.length) {
            field.setCustomValidity("A message needs some text: delete it instead.");
            field.reportValidity();
            return;
          }
          // Offline, the edit stays in its form, to save once reconnected.
          if (value !== message.body && !actions.edit(message.id, value)) return;
          done();
        },
      },
      h("label", { for: fieldId }, "New text"),
      field,
      h("p", { class: "buttons" }, h("button", { type: "submit" }, "Save"), h("button", { type: "button", class: "secondary", onclick: done }, "Cancel")),
    );
    field.addEventListener("input", () => field.setCustomValidity(""));
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      } else if (event.key === "Escape") {
        done();
      }
    });
    (body ?? node.querySelector(".tools")).replaceWith(form);
    field.focus();
  }

  // ---- typing -------------------------------------------------------------------------------

  function renderTyping() {
    const line = byId("typing");
    if (state.current === null) {
      line.textContent = "";
      return;
    }
    const names = [...conversation(state.current).typing.values()].map(({ user }) => displayName(user));
    line.textContent =
      names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : "Several people are typing…";
  }

  // ---- wiring -------------------------------------------------------------------------------

  function opened() {
    list.replaceChildren();
    rendered = new Map();
    editing.clear();
    announcedUpTo = null;
    unreadAtOpen = current()?.unread ?? 0;
    newLineBefore = null;
    lineSettled = unreadAtOpen === 0;
    pagesLoadedForTheLine = 0;
    if (state.current !== null) draftPeer = null;
    if (state.current !== null || draftPeer) state.closedBecause = null;
    composer.reset(state.current === null && !draftPeer);
    olderButton.hidden = true;
    showInvite(false);
    byId("invite-search").value = "";
    byId("invite-results").replaceChildren();
    renderHeader();
    renderTyping();
    syncMessages();
  }

  actions.startDraft = (person) => {
    draftPeer = person;
    state.current = null;
    history.replaceState(null, "", location.pathname);
    opened();
    emit("draft");
    // Once the room list has made way for it (on a phone the conversation was hidden, and
    // could not take the focus when it opened).
    byId("composer-text").focus();
  };
  actions.reportError = showError;

  on("current", opened);
  on("messages", ({ room }) => {
    if (room === state.current) syncMessages();
  });
  on("receipts", ({ room }) => {
    if (room === state.current) renderReceipts();
  });
  on("typing", ({ room }) => {
    if (room === state.current) renderTyping();
  });
  on("members", ({ room }) => {
    if (room === state.current) renderHeader();
  });
  // A search result opened: its message, brought into view and marked until another is.
  on("reveal", ({ room, message }) => {
    if (room !== state.current) return;
    if (!lineSettled) {
      // Opened at this message: the line goes where the pages loaded so far put it, and the
      // page shows the message, not the line.
      newLineBefore = firstUnread(conversation(room)).first;
      lineSettled = true;
    }
    syncMessages();
    list.querySelector(".message.found")?.classList.remove("found");
    const node = list.querySelector(`[data-id="${message}"]`);
    if (!node) return;
    node.classList.add("found");
    // The history scrolls, not the page (scrollIntoView moves every scrolling ancestor).
    const { top, height } = node.getBoundingClientRect();
    const pane = scroller.getBoundingClientRect();
    scroller.scrollTop += top - pane.top - (pane.height - height) / 2;
  });
  on("presence", renderHeader);
  on("blocks", renderHeader);
  on("rooms", renderHeader);
  on("connection", () => {
    // What failed while offline is for the past: the page is live again.
    if (state.connection === "online") showError(null);
    // Pending messages say whether they wait for the connection.
    for (const [key, entry] of rendered) {
      if (key.startsWith("p")) entry.failed = undefined;
    }
    syncMessages();
  });
  on("error", (message) => showError(new Error(message)));
  on("signedout", () => {
    draftPeer = null;
    state.closedBecause = null;
    composer.forgetDrafts();
    opened();
  });

  olderButton.addEventListener("click", () => loadOlder());
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < 40) loadOlder();
    markReadIfSeen();
  });
  document.addEventListener("visibilitychange", markReadIfSeen);

  async function loadOlder() {
    if (state.current === null) return;
    list.setAttribute("aria-busy", "true");
    try {
      await actions.loadOlder(state.current);
    } catch (error) {
      showError(error);
    } finally {
      list.removeAttribute("aria-busy");
    }
  }
}
