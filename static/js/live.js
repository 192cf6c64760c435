// Live updates over Mattermost's WebSocket (`/api/v4/websocket`, authenticated by the session
// cookie on the upgrade): events go to `onEvent`; `user_typing` is sent at most every 3 s per
// channel. When the connection drops (a restart, a network change) it reconnects with growing
// pauses, resuming with its connection id and sequence number so missed events are replayed;
// a fresh `hello` (the server forgot us) asks the app to fetch what it missed.

export const live = { connected: false };

let socket = null;
let seq = 1;
let connectionId = '';
let lastSeq = -1;
let attempts = 0;
let timer = null;
let handlers = null;
let stopped = false;
const typingSent = new Map();

export function start(h) {
  handlers = h;
  stopped = false;
  open();
}

export function stop() {
  stopped = true;
  clearTimeout(timer);
  if (socket) socket.close();
  socket = null;
  live.connected = false;
  connectionId = '';
  lastSeq = -1;
}

function open() {
  const q = connectionId ? `?connection_id=${encodeURIComponent(connectionId)}&sequence_number=${lastSeq}` : '';
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v4/websocket${q}`);
  socket = ws;
  ws.onmessage = (m) => {
    let msg;
    try { msg = JSON.parse(m.data); } catch { return; }
    if (!msg.event) return; // replies to our requests
    if (typeof msg.seq === 'number') lastSeq = msg.seq;
    if (msg.event === 'hello') {
      const fresh = msg.data && msg.data.connection_id !== connectionId;
      const resumed = !!connectionId && !fresh;
      connectionId = (msg.data && msg.data.connection_id) || '';
      live.connected = true;
      attempts = 0;
      handlers.onStatus && handlers.onStatus(true);
      if (!resumed && handlers.onResync) handlers.onResync();
      return;
    }
    try { handlers.onEvent(msg); } catch (e) { console.warn('event', msg.event, e); }
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    live.connected = false;
    handlers.onStatus && handlers.onStatus(false);
    if (stopped) return;
    const wait = Math.min(15000, 500 * 2 ** attempts++) + Math.random() * 500;
    timer = setTimeout(open, wait);
  };
}

/** Tells the channel's other members that we are typing (throttled). */
export function typing(channelId, parentId = '') {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  const key = `${channelId}:${parentId}`;
  const now = Date.now();
  if (now - (typingSent.get(key) || 0) < 3000) return;
  typingSent.set(key, now);
  socket.send(JSON.stringify({ seq: seq++, action: 'user_typing', data: { channel_id: channelId, parent_id: parentId } }));
}
