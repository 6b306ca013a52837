// The console's entry: the frame into the page's one element.
import { render } from 'preact';
import { App } from './app.js';
import './console.css';

render(<App />, document.getElementById('app')!);
