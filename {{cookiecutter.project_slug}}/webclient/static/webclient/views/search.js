// Message search, in the sidebar: the server's search over my rooms (full-text on PostgreSQL),
// newest first; a result opens its room at that message, older pages loaded back to it.
import { byId, formatTime, h, searchAsTyped } from "../dom.js";
import { displayName, roomName, state } from "../store.js";

// Searches are throttled per user: one once typing pauses, not one per key.
const PAUSE_MS = 400;

export function mountSearch(actions) {
  searchAsTyped(byId("message-search"), byId("search-results"), {
    search: actions.searchMessages,
    more: actions.nextPage,
    render: result,
    pauseMs: PAUSE_MS,
    nothingFound: () => "No message found.",
  });

  // A group's name and who wrote in it; a 1-to-1 is named by who wrote, or by its other person.
  function where(room, sender) {
    if (!room) return `A room · ${displayName(sender)}`;
    if (room.kind !== "direct") return `${roomName(room)} · ${displayName(sender)}`;
    return sender?.id === state.me?.id ? `You to ${roomName(room)}` : displayName(sender);
  }

  function result(message) {
    const room = state.rooms.get(message.room);
    const open = (event) => {
      event.preventDefault();
      actions.showMessage(message.room, message.id).catch((error) => actions.reportError(error));
    };
    return h(
      "li",
      { class: "result" },
      h(
        "a",
        { href: `#room-${message.room}`, onclick: open },
        h("span", { class: "hint" }, `${where(room, message.sender)} · `, h("time", { datetime: message.created }, formatTime(message.created))),
        h("span", { class: "excerpt", dir: "auto" }, message.body),
      ),
    );
  }
}
