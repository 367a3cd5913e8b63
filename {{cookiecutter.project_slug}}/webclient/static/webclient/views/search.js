// Message search, in the sidebar: the server's search over my rooms (full-text on PostgreSQL),
// newest first; a result opens its room at that message, older pages loaded back to it.
import { byId, h, searchAsTyped } from "../dom.js";
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
        h("span", { class: "hint" }, `${room ? roomName(room) : "A room"} · ${displayName(message.sender)}`),
        h("span", { class: "excerpt", dir: "auto" }, message.body),
      ),
    );
  }
}
