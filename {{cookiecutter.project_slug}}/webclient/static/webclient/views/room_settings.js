// A group room's settings, for its owner and admins: the name (both), visibility and whether
// newcomers read the history (the owner), and deleting the room (the owner), which takes a
// second click: the page opens no confirm() box.
import { askTwice, byId } from "../dom.js";
import { state } from "../store.js";

export function mountRoomSettings(actions) {
  const dialog = byId("room-settings-dialog");
  const form = byId("room-settings-form");
  const error = byId("room-settings-error");
  const remove = byId("room-delete");
  let room = null;

  actions.editRoom = (roomId) => {
    room = state.rooms.get(roomId);
    form.reset();
    form.elements.name.value = room.name;
    form.elements.visibility.value = room.visibility;
    form.elements.history_visible.checked = room.history_visible;
    byId("room-settings-owner").disabled = room.role !== "owner";
    remove.textContent = "Delete room";  // a first click made before it closed is taken back
    remove.hidden = room.role !== "owner";
    error.textContent = "";
    dialog.showModal();
  };
  byId("room-settings-cancel").addEventListener("click", () => dialog.close());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changes = {};
    const name = form.elements.name.value.trim();
    if (name !== room.name) changes.name = name;
    if (room.role === "owner") {
      if (form.elements.visibility.value !== room.visibility) changes.visibility = form.elements.visibility.value;
      if (form.elements.history_visible.checked !== room.history_visible) changes.history_visible = form.elements.history_visible.checked;
    }
    try {
      if (Object.keys(changes).length) await actions.updateRoom(room.id, changes);
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });

  askTwice(remove, "Delete room", "Delete it for everyone", async () => {
    try {
      await actions.deleteRoom(room.id);
      dialog.close();
      // The button that opened the dialog went with the room: the title says what is open now.
      byId("conversation-title").focus();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
}
