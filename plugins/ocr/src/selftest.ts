/**
 * A 240×56 bilevel PNG reading "BASTION 42" (DejaVu Sans Bold, 30 px), embedded so `validate()` needs no fonts
 * and no files at run time. Regenerate with sharp from an SVG `<text>` if it ever needs to change.
 */
export const SELF_TEST_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAPAAAAA4AQMAAAD5IOcIAAAABlBMVEX///8AAABVwtN+AAAACXBIWXMAAAsTAAALEwEAmpwYAAABLUlEQVR42u3SMU7EMBAF0LFcpEGaI/gkJFeiRYLEqy22zA3gImhlxEXMDbzdFCbD2I6d3YWCnp3K0pNs/T8GuM1t/j6KPRgH7JlPQbFF1wNo0kvlKKw5CFPHHn1mZLvyAoPvCiOHzJ2c3E82TBiEUdgXDhNMvnMPihQNu7jyXVd5gCmghcwQkYQNwRk/bzxmvifQG38RusyjcLxkWoCoo8Zvwo/b5ZJbmG3lo/BJuAaLiqJmX/mlMLbcKjwpDpVfe1CfBGZtjVgYJqo896DfCYa182B0GKXGxsfMY+O99KoaHxbQzCo2PjADZJ4aa/qFU6n7zGvs1JowlsvTSgqvuSSYHM3MmdNCd0uKI5u/4Jw7fQd7xREtzqW19JmuORiLH+zy6/IV7XjOt/lP8w3HCQyQNsFEIQAAAABJRU5ErkJggg==';

/** Words the self-test image must yield. */
export const SELF_TEST_WORDS = ['BASTION', '42'];
