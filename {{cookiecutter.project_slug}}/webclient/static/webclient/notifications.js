// Desktop notifications of others' messages while this tab is in the background: chosen per
// device (localStorage), shown only with the browser's permission, and only for what the person
// chose: nothing, what is addressed to them (their 1-to-1s, messages naming them as @username),
// or every message. A click brings the tab back, at that room.
import { displayName, mentionsMe, roomName, state } from "./store.js";

const CHOICE = "notify-of";
const MAX_BODY = 200;

export const supported = "Notification" in window;

export function notifyChoice() {
  return (supported && localStorage.getItem(CHOICE)) || "none";
}

// Asked from the person's own change of the setting: browsers ask for permission only then.
export async function chooseNotifications(choice) {
  if (choice !== "none" && Notification.permission !== "granted") {
    if ((await Notification.requestPermission()) !== "granted") {
      throw new Error("This browser does not allow this page's notifications: allow them in its settings for this site.");
    }
  }
  localStorage.setItem(CHOICE, choice);
}

export function notifyOfMessage(message) {
  const choice = notifyChoice();
  if (choice === "none" || Notification.permission !== "granted") return;
  if (!message.sender || message.sender.id === state.me?.id) return;
  // On screen, the message is seen where it lands.
  if (document.visibilityState === "visible" && document.hasFocus()) return;
  const room = state.rooms.get(message.room);
  // A room not in the list yet is a 1-to-1 coming back with this message.
  const group = room?.kind === "group";
  if (choice === "mine" && group && !mentionsMe(message.body)) return;
  const sender = displayName(message.sender);
  const files = message.attachments?.length ? "Sent a file" : "";
  const notification = new Notification(group ? `${sender} in ${roomName(room)}` : sender, {
    body: (message.body || files).slice(0, MAX_BODY),
    // One per room: a newer message replaces the room's last notification.
    tag: `room-${message.room}`,
  });
  notification.onclick = () => {
    window.focus();
    notification.close();
    location.hash = `#room-${message.room}`;
  };
}
