// The files an output node's UI result lists, under any key, and its text less the lines that only
// name one of them.
import { uiFiles, uiText } from '../../server/cli/uiFiles';

it('lists the files of every key holding file references, not only images', () => {
  const ui = {
    images: [{ filename: 'a.png', subfolder: '', type: 'output' as const }],
    videos: [{ filename: 'b.mp4', subfolder: 'sv', type: 'output' }],
    meshes: [{ filename: 'c.glb' }],
    animated: [true],
    table: [{ score: 1 }],
    text: ['sv/b.mp4', 'loss 0.5'],
  };
  expect(uiFiles(ui).map((f) => f.filename)).toEqual(['a.png', 'b.mp4', 'c.glb']);
  expect(uiText(ui)).toEqual(['loss 0.5']);
});
