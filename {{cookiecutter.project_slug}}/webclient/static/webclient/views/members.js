// A group room's members, for everyone in it, with what the owner and admins may do to each:
// the owner appoints and demotes admins and hands the room over; owner and admins remove and
// ban members (only the owner acts on an admin; nobody on the owner).
import { byId, confirmedButton, h } from "../dom.js";
import { conversation, displayName, on, state } from "../store.js";

const ROLE_NAMES = { owner: "owner", admin: "admin", member: "" };

export function mountMembers(actions) {
  const panel = byId("members-panel");
  const list = byId("member-list");
  const error = byId("members-error");

  actions.toggleMembers = () => {
    panel.hidden = !panel.hidden;
    error.textContent = "";
    render();
  };

  function act(action) {
    return async () => {
      error.textContent = "";
      try {
        await action();
      } catch (failure) {
        error.textContent = failure.message;
      }
    };
  }

  function controls(room, member) {
    const me = room.role;
    const their = member.role;
    const id = member.user.id;
    if (id === state.me.id || their === "owner" || me === "member") return [];
    if (me === "admin" && their === "admin") return [];
    const buttons = [];
    const button = (label, action) => h("button", { type: "button", class: "link", onclick: act(action) }, label);
    // What cannot be taken back at once asks for a second click.
    const confirmed = (label, confirmation, action) => confirmedButton({ class: "link" }, label, confirmation, act(action));
    const name = displayName(member.user);
    if (me === "owner") {
      buttons.push(
        their === "admin"
          ? button("Make member", () => actions.setRole(room.id, id, "member"))
          : button("Make admin", () => actions.setRole(room.id, id, "admin")),
        confirmed("Hand over the room", `Make ${name} the owner`, () => actions.transfer(room.id, id)),
      );
    }
    buttons.push(
      confirmed("Remove", `Remove ${name}`, () => actions.removeMember(room.id, id)),
      confirmed("Ban", `Ban ${name}`, () => actions.ban(room.id, id)),
    );
    return buttons;
  }

  function render() {
    const room = state.rooms.get(state.current);
    if (panel.hidden || !room || room.kind !== "group") {
      if (!room || room.kind !== "group") panel.hidden = true;
      return;
    }
    const members = [...conversation(room.id).members.values()].sort((a, b) => displayName(a.user).localeCompare(displayName(b.user)));
    list.replaceChildren(
      ...members.map((member) =>
        h(
          "li",
          { class: "row" },
          h("span", { class: "grow" }, displayName(member.user), ROLE_NAMES[member.role] ? h("span", { class: "hint" }, ` (${ROLE_NAMES[member.role]})`) : null),
          state.presence ? presence(state.online.has(member.user.id)) : null,
          ...controls(room, member),
        ),
      ),
    );
  }

  on("members", ({ room }) => {
    if (room === state.current) render();
  });
  on("rooms", render);
  on("presence", render);
  on("current", () => {
    panel.hidden = true;
  });
}

function presence(online) {
  return h("span", { class: online ? "presence online" : "presence" }, online ? "online" : "offline");
}
