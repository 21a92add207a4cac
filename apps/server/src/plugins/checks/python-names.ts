/**
 * Debian packages that provide common Python modules and distributions, for reasons that say how to fix a missing
 * one. Keys are lower-case import names or distribution names (PEP 503 normalised).
 */
const DEBIAN: Record<string, string> = {
  cv2: 'python3-opencv',
  'opencv-python': 'python3-opencv',
  'opencv-python-headless': 'python3-opencv',
  'opencv-contrib-python': 'python3-opencv',
  numpy: 'python3-numpy',
  pil: 'python3-pil',
  pillow: 'python3-pil',
  torch: 'python3-torch',
  torchvision: 'python3-torchvision',
  pydantic: 'python3-pydantic',
  skimage: 'python3-skimage',
  'scikit-image': 'python3-skimage',
  scipy: 'python3-scipy',
  yaml: 'python3-yaml',
  pyyaml: 'python3-yaml',
  packaging: 'python3-packaging',
  requests: 'python3-requests',
  pytest: 'python3-pytest',
};

/** Distributions installed without metadata by Debian, found by their import name instead. */
export const DIST_MODULES: Record<string, string> = {
  'opencv-python': 'cv2',
  'opencv-python-headless': 'cv2',
  'opencv-contrib-python': 'cv2',
};

const normalise = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The Debian package that provides a module or distribution, or null when none is known. */
export function debianPackageFor(name: string): string | null {
  return DEBIAN[name.toLowerCase()] ?? DEBIAN[normalise(name)] ?? null;
}
