import { keepQueryInNav } from './nav.ts'
import './style.css'

keepQueryInNav()
