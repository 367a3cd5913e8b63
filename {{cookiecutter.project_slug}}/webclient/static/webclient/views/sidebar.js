// The left pane: who I am, the connection banner, invitations, discovery, the people search
// and the room list with unread badges, last messages and presence.
import { byId, count, h, searchAsTyped } from "../dom.js";
import { displayName, handle, on, roomName, sortedRooms, state } from "../store.js";

export function mountSidebar(actions) {
  const app = byId("app");
  const toggle = byId("toggle-rooms");

  function showRooms(open) {
    app.classList.toggle("rooms-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  }
  toggle.addEventListener("click", () => showRooms(!app.classList.contains("rooms-open")));
  on("current", () => showRooms(state.current === null));
  // A new 1-to-1 being written is a conversation open, with no room yet.
  on("draft", () => showRooms(false));
  // At phone width the list is what a fresh page shows.
  showRooms(true);

  byId("sign-out").addEventListener("click", () => actions.signOut());
  on("me", () => {
    byId("me").textContent = state.me ? `Signed in as ${displayName(state.me)}` : "";
  });

  const banner = byId("connection");
  on("connection", () => {
    const offline = state.connection === "offline";
    const paused = !offline && state.deliveryInterrupted;
    const behind = !offline && !paused && state.catchUpFailing;
    banner.hidden = !offline && !paused && !behind;
    banner.textContent = offline
      ? "Offline — reconnecting…"
      : paused
        ? "Live updates are paused: others' messages will show when they resume. Yours are still sent."
        : behind
          ? "The server is briefly unavailable: what you missed will show once it answers."
          : "";
  });
  on("signedout", () => {
    banner.hidden = true;
    roomEntries.clear();
    byId("room-list").replaceChildren();
  });

  on("rooms", renderRooms);
  on("presence", renderRooms);
  on("current", renderRooms);
  // The room open already, chosen again from the list (which covers it on a phone): its link
  // changes no address, and opens nothing; the list gives way to it.
  byId("room-list").addEventListener("click", (event) => {
    if (event.target.closest("a[aria-current]")) showRooms(false);
  });

  window.addEventListener("hashchange", route);
  on("signedin", route);
  on("rooms", () => {
    // A link followed before the list arrived.
    if (state.current === null) route();
  });

  function route() {
    const match = /^#room-(\d+)$/.exec(location.hash);
    const roomId = match ? Number(match[1]) : null;
    if (roomId !== null && roomId !== state.current && state.rooms.has(roomId)) {
      actions.openRoom(roomId).catch((error) => actions.reportError(error));
    }
  }

  if (actions.features.groups) mountGroups(actions);
  if (actions.features.direct) mountPeople(actions);
}

// A refused action (the room filled up, the invitation was withdrawn) says why.
function reporting(actions, action) {
  return () => action().catch((error) => actions.reportError(error));
}

// Room id -> its entry in the list. Entries are kept across renders and only moved or updated:
// a list redrawn from scratch under a click in progress (a message arriving between the press and
// the release) would lose the click, the pressed link no longer being in the page.
const roomEntries = new Map();

function renderRooms() {
  const list = byId("room-list");
  const rooms = sortedRooms();
  byId("no-rooms").hidden = rooms.length > 0;
  for (const id of roomEntries.keys()) if (!state.rooms.has(id)) roomEntries.delete(id);
  rooms.forEach((room, index) => {
    const entry = roomEntry(room);
    if (list.children[index] !== entry) list.insertBefore(entry, list.children[index] ?? null);
  });
  while (list.children.length > rooms.length) list.lastElementChild.remove();
}

function roomEntry(room) {
  if (!roomEntries.has(room.id)) {
    // The link's accessible name is the room's name alone: the badge and the rest are siblings.
    const link = h("a", { href: `#room-${room.id}`, dir: "auto" });
    roomEntries.set(room.id, { item: h("li", {}, link), link });
  }
  const { item, link } = roomEntries.get(room.id);
  const current = room.id === state.current;
  item.className = current ? "room current" : "room";
  if (current) link.setAttribute("aria-current", "page");
  else link.removeAttribute("aria-current");
  const name = roomName(room);
  if (link.textContent !== name) link.textContent = name;
  const last = room.last_message;
  const online = room.kind === "direct" && state.presence && room.peer && state.online.has(room.peer.id);
  while (link.nextSibling) link.nextSibling.remove();
  item.append(
    ...[
      room.kind === "direct" && state.presence && room.peer
        ? h("span", { class: online ? "presence online" : "presence" }, online ? "online" : "offline")
        : null,
      // "3 unread" to a screen reader (a label on a span without a role is not read out).
      room.unread
        ? h("span", { class: "badge" }, String(room.unread), h("span", { class: "visually-hidden" }, " unread"))
        : null,
      last
        ? h(
            "p",
            { class: "last-message" },
            h("span", { dir: "auto" }, last.sender ? displayName(last.sender) : "Deleted user"),
            ": ",
            last.deleted ? "Message deleted" : h("span", { dir: "auto" }, last.excerpt || "Attachment"),
          )
        : null,
    ].filter((child) => child !== null),
  );
  return item;
}

function mountGroups(actions) {
  const dialog = byId("new-room-dialog");
  const form = byId("new-room-form");
  byId("new-room").addEventListener("click", () => {
    form.reset();
    byId("new-room-error").textContent = "";
    dialog.showModal();
  });
  byId("new-room-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    if (!name) {
      byId("new-room-error").textContent = "Give the room a name.";
      return;
    }
    try {
      const roomId = await actions.createRoom(name, form.elements.visibility.value);
      dialog.close();
      location.hash = `#room-${roomId}`;
    } catch (error) {
      byId("new-room-error").textContent = error.message;
    }
  });

  const toggle = byId("discover-toggle");
  const panel = byId("discover");
  async function refreshDiscovery() {
    const list = byId("discover-list");
    list.replaceChildren(h("li", { class: "hint" }, "Loading…"));
    try {
      const rooms = await actions.discover();
      list.replaceChildren(
        ...rooms.map((room) =>
          h(
            "li",
            { class: "row" },
            h("span", { class: "grow" }, room.name, h("span", { class: "hint" }, ` · ${count(room.member_count, "member")}`)),
            h("button", {
              type: "button",
              onclick: reporting(actions, async () => {
                const roomId = await actions.join(room.id);
                location.hash = `#room-${roomId}`;
                refreshDiscovery();
              }),
            }, "Join"),
          ),
        ),
      );
      if (!rooms.length) list.replaceChildren(h("li", { class: "hint" }, "No public rooms to join."));
    } catch (error) {
      list.replaceChildren(h("li", { class: "error" }, error.message));
    }
  }
  toggle.addEventListener("click", () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) refreshDiscovery();
  });

  on("invitations", () => {
    const invitations = [...state.invitations.values()];
    byId("invitations").hidden = invitations.length === 0;
    byId("invitation-list").replaceChildren(
      ...invitations.map((invitation) =>
        h(
          "li",
          { class: "invitation" },
          h("p", {}, `${displayName(invitation.invited_by)} invited you to `, h("strong", {}, invitation.room.name)),
          h(
            "p",
            { class: "buttons" },
            h("button", {
              type: "button",
              onclick: reporting(actions, async () => {
                const roomId = await actions.accept(invitation.id);
                location.hash = `#room-${roomId}`;
              }),
            }, "Accept"),
            h("button", { type: "button", class: "secondary", onclick: reporting(actions, () => actions.decline(invitation.id)) }, "Decline"),
          ),
        ),
      ),
    );
  });
}

export function peopleSearch(input, results, renderPerson, search, more) {
  searchAsTyped(input, results, {
    search,
    more,
    render: renderPerson,
    pauseMs: 300,
    // Under 3 letters the server finds a whole username only (a letter would list everyone).
    nothingFound: (query) => (query.length < 3 ? "Nobody of that exact name: type 3 letters or more to search." : "Nobody found."),
  });
}

function mountPeople(actions) {
  const input = byId("people-search");
  const results = byId("people-results");
  peopleSearch(input, results, (person) =>
    h(
      "li",
      { class: "row" },
      h("span", { class: "grow" }, displayName(person), handle(person) ? h("span", { class: "hint" }, handle(person)) : null),
      h("button", {
        type: "button",
        onclick: () => {
          input.value = "";
          results.replaceChildren();
          // An open conversation with them is in the list; a hidden one comes back with the
          // first message, which POST /api/direct/ adds to it.
          const room = [...state.rooms.values()].find((item) => item.kind === "direct" && item.peer?.id === person.id);
          if (room) location.hash = `#room-${room.id}`;
          else actions.startDraft(person);
        },
      }, "Start conversation"),
    ),
    actions.searchPeople,
    actions.nextPage,
  );
}
