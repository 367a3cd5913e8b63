// A group room's members, for everyone in it, with what the owner and admins may do to each:
// the owner appoints and demotes admins and hands the room over; owner and admins remove and
// ban members (only the owner acts on an admin; nobody on the owner). Below, for the owner and
// admins: the invitations pending (to withdraw), the bans (to lift), and the reports of the
// room's messages (to read, and to go to the message reported).
import { byId, confirmedButton, h, keepingFocus } from "../dom.js";
import { conversation, displayName, handle, on, state } from "../store.js";

const ROLE_NAMES = { owner: "owner", admin: "admin", member: "" };

export function mountMembers(actions) {
  const panel = byId("members-panel");
  const list = byId("member-list");
  const error = byId("members-error");

  actions.toggleMembers = () => {
    panel.hidden = !panel.hidden;
    byId("members-toggle")?.setAttribute("aria-expanded", String(!panel.hidden));
    error.textContent = "";
    render();
    if (!panel.hidden) loadModeration();
  };
  // Escape closes the panel, back to its button.
  panel.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || panel.hidden) return;
    actions.toggleMembers();
    byId("members-toggle")?.focus();
  });

  // ---- moderation: read when the panel opens, after each change made here, and when the
  // server says someone else changed them (room.moderation) -----------------------------------

  const moderation = byId("moderation");

  async function loadModeration() {
    const room = state.rooms.get(state.current);
    moderation.hidden = !room || room.kind !== "group" || room.role === "member";
    if (moderation.hidden) return;
    try {
      const [invited, banned, reports] = await Promise.all([
        actions.api.all(`/api/rooms/${room.id}/invitations/`),
        actions.api.all(`/api/rooms/${room.id}/bans/`),
        actions.api.all(`/api/rooms/${room.id}/reports/`),
      ]);
      if (room.id !== state.current) return;
      const withdraw = (invitation) => confirmedButton({ class: "link", "data-focus": `invited:${invitation.user.id}` }, "Withdraw", `Withdraw ${displayName(invitation.user)}'s invitation`, act(() => changeThen(() => actions.api.delete(`/api/rooms/${room.id}/invitations/${invitation.user.id}/`))));
      const unban = (ban) => confirmedButton({ class: "link", "data-focus": `banned:${ban.user.id}` }, "Unban", `Unban ${displayName(ban.user)}`, act(() => changeThen(() => actions.api.delete(`/api/rooms/${room.id}/bans/${ban.user.id}/`))));
      listed(byId("invited-list"), invited, "Nobody is invited.", (invitation) => [displayName(invitation.user), withdraw(invitation)]);
      listed(byId("banned-list"), banned, "Nobody is banned.", (ban) => [displayName(ban.user), unban(ban)]);
      listed(byId("report-list"), reports, "No open report.", (report) => [
        h(
          "span",
          { class: "grow" },
          h("span", { dir: "auto" }, report.reported_body || "(a file)"),
          h("span", { class: "hint" }, ` reported by ${report.reporter ? displayName(report.reporter) : "a deleted user"}${report.reason ? `: ` : ""}`),
          report.reason ? h("span", { class: "hint", dir: "auto" }, report.reason) : null,
        ),
        h("button", { type: "button", class: "link", onclick: () => actions.showMessage(room.id, report.message.id).catch((failure) => { error.textContent = failure.message; }) }, "Show"),
      ]);
    } catch (failure) {
      error.textContent = failure.message;
    }
  }

  async function changeThen(change) {
    await change();
    await loadModeration();
  }

  // Read again on member and moderation events too: a list whose items did not change is left
  // as it is, so that a button half-way through its two clicks stays so (a redraw would put
  // it back to its first); one that changed keeps the focus.
  const drawnFrom = new WeakMap();
  function listed(list, items, none, row) {
    const drawn = JSON.stringify([state.current, items]);
    if (drawnFrom.get(list) === drawn) return;
    drawnFrom.set(list, drawn);
    keepingFocus(list, () => drawListed(list, items, none, row), () => byId("members-toggle"));
  }

  function drawListed(list, items, none, row) {
    list.replaceChildren(...(items.length ? items.map((item) => h("li", { class: "row" }, ...row(item).map((part) => (typeof part === "string" ? h("span", { class: "grow" }, part) : part)))) : [h("li", { class: "hint" }, none)]));
  }

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
    // Each keyed for keepingFocus: the member's role change keeps its key as its label changes.
    const key = (label) => `member:${id}:${/^Make (admin|member)$/.test(label) ? "role" : label}`;
    const button = (label, action) => h("button", { type: "button", class: "link", "data-focus": key(label), onclick: act(action) }, label);
    // What cannot be taken back at once asks for a second click.
    const confirmed = (label, confirmation, action) => confirmedButton({ class: "link", "data-focus": key(label) }, label, confirmation, act(action));
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
      confirmed("Ban", `Ban ${name}`, () => changeThen(() => actions.ban(room.id, id))),
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
    // Presence and member events redraw the list often: the focus stays on its control, or on
    // the row of a member whose control went away, or on the panel's button if they left.
    keepingFocus(list, () => drawMembers(room, members), () => byId("members-toggle"));
  }

  function drawMembers(room, members) {
    list.replaceChildren(
      ...members.map((member) =>
        h(
          "li",
          { class: "row", "data-focus": `member:${member.user.id}`, tabindex: -1 },
          h(
            "span",
            { class: "grow" },
            displayName(member.user),
            handle(member.user) ? h("span", { class: "hint", dir: "ltr" }, handle(member.user)) : null,
            ROLE_NAMES[member.role] ? h("span", { class: "hint" }, ` (${ROLE_NAMES[member.role]})`) : null,
          ),
          state.presence ? presence(state.online.has(member.user.id)) : null,
          ...controls(room, member),
        ),
      ),
    );
  }

  on("members", ({ room }) => {
    if (room !== state.current) return;
    render();
    // A role changed, someone left or was banned: the lists, and whether they are mine to see.
    if (!panel.hidden) loadModeration();
  });
  on("moderation", ({ room }) => {
    if (room === state.current && !panel.hidden) loadModeration();
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
