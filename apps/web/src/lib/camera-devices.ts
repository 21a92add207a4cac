/** The cameras `enumerateDevices()` reports, and the one the user chose last (kept in localStorage). */
const DEVICE_KEY = 'bastion.cameraDeviceId';
const FPS_KEY = 'bastion.cameraFps';

export const FPS_MIN = 1;
export const FPS_MAX = 30;
export const FPS_DEFAULT = 12;

export interface CameraDevice {
  deviceId: string;
  label: string;
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** Video inputs; browsers leave labels empty until camera permission is granted, so unnamed ones are numbered. */
export async function listCameras(): Promise<CameraDevice[]> {
  const md = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
  if (!md?.enumerateDevices) return [];
  const all = await md.enumerateDevices();
  return all
    .filter((d) => d.kind === 'videoinput')
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` }));
}

export function savedCameraId(): string {
  return storage()?.getItem(DEVICE_KEY) ?? '';
}

export function saveCameraId(id: string): void {
  storage()?.setItem(DEVICE_KEY, id);
}

export function clampFps(n: number): number {
  return Number.isFinite(n) ? Math.min(FPS_MAX, Math.max(FPS_MIN, Math.round(n))) : FPS_DEFAULT;
}

export function savedFps(): number {
  const v = storage()?.getItem(FPS_KEY);
  return v ? clampFps(Number(v)) : FPS_DEFAULT;
}

export function saveFps(fps: number): void {
  storage()?.setItem(FPS_KEY, String(clampFps(fps)));
}
