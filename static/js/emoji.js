// Emoji shortcodes: a compact table of the common names Mattermost knows (its emoji set's
// short names, with their usual aliases) and the glyph each stands for. `:smile:` in a message
// or an attachment becomes 😄 (markdown.js); a reaction shows its glyph. A name not in the
// table (a custom emoji, a typo) stays as written.

const TABLE = `
grinning=😀 smiley=😃 smile=😄 grin=😁 laughing=😆 sweat_smile=😅 rofl=🤣 joy=😂
slightly_smiling_face=🙂 upside_down_face=🙃 wink=😉 blush=😊 innocent=😇
smiling_face_with_three_hearts=🥰 heart_eyes=😍 star-struck=🤩 kissing_heart=😘 kissing=😗
relaxed=☺️ kissing_closed_eyes=😚 kissing_smiling_eyes=😙 yum=😋 stuck_out_tongue=😛
stuck_out_tongue_winking_eye=😜 zany_face=🤪 stuck_out_tongue_closed_eyes=😝
money_mouth_face=🤑 hugging_face=🤗 face_with_hand_over_mouth=🤭 shushing_face=🤫
thinking_face=🤔 zipper_mouth_face=🤐 face_with_raised_eyebrow=🤨 neutral_face=😐
expressionless=😑 no_mouth=😶 smirk=😏 unamused=😒 face_with_rolling_eyes=🙄 grimacing=😬
lying_face=🤥 relieved=😌 pensive=😔 sleepy=😪 drooling_face=🤤 sleeping=😴 mask=😷
face_with_thermometer=🤒 face_with_head_bandage=🤕 nauseated_face=🤢 face_vomiting=🤮
sneezing_face=🤧 hot_face=🥵 cold_face=🥶 woozy_face=🥴 dizzy_face=😵 exploding_head=🤯
face_with_cowboy_hat=🤠 partying_face=🥳 sunglasses=😎 nerd_face=🤓 face_with_monocle=🧐
confused=😕 worried=😟 slightly_frowning_face=🙁 white_frowning_face=☹️ open_mouth=😮
hushed=😯 astonished=😲 flushed=😳 pleading_face=🥺 frowning=😦 anguished=😧 fearful=😨
cold_sweat=😰 disappointed_relieved=😥 cry=😢 sob=😭 scream=😱 confounded=😖 persevere=😣
disappointed=😞 sweat=😓 weary=😩 tired_face=😫 yawning_face=🥱 triumph=😤 rage=😡 angry=😠
face_with_symbols_on_mouth=🤬 smiling_imp=😈 imp=👿 skull=💀 hankey=💩 clown_face=🤡
ghost=👻 alien=👽 robot_face=🤖 smiley_cat=😺 heart_eyes_cat=😻 see_no_evil=🙈
hear_no_evil=🙉 speak_no_evil=🙊
heart=❤️ orange_heart=🧡 yellow_heart=💛 green_heart=💚 blue_heart=💙 purple_heart=💜
black_heart=🖤 white_heart=🤍 broken_heart=💔 two_hearts=💕 sparkling_heart=💖
heartpulse=💗 heartbeat=💓 revolving_hearts=💞 cupid=💘 100=💯 anger=💢 boom=💥 dizzy=💫
sweat_drops=💦 dash=💨 speech_balloon=💬 thought_balloon=💭 zzz=💤
wave=👋 raised_back_of_hand=🤚 raised_hand=✋ spock-hand=🖖 ok_hand=👌 pinching_hand=🤏 v=✌️
crossed_fingers=🤞 i_love_you_hand_sign=🤟 the_horns=🤘 call_me_hand=🤙 point_left=👈
point_right=👉 point_up_2=👆 point_down=👇 point_up=☝️ +1=👍 -1=👎 fist=✊ facepunch=👊
clap=👏 raised_hands=🙌 open_hands=👐 palms_up_together=🤲 handshake=🤝 pray=🙏
writing_hand=✍️ muscle=💪 eyes=👀 eye=👁️ brain=🧠 shrug=🤷 face_palm=🤦 bow=🙇
raising_hand=🙋 no_good=🙅 ok_woman=🙆 information_desk_person=💁 dancer=💃 man_dancing=🕺
sunny=☀️ cloud=☁️ umbrella=☔ snowflake=❄️ zap=⚡ fire=🔥 droplet=💧 rainbow=🌈 star=⭐
star2=🌟 sparkles=✨ crescent_moon=🌙 earth_americas=🌎 ocean=🌊 dog=🐶 cat=🐱 mouse=🐭
rabbit=🐰 fox_face=🦊 bear=🐻 panda_face=🐼 tiger=🐯 lion_face=🦁 cow=🐮 pig=🐷 frog=🐸
monkey_face=🐵 chicken=🐔 penguin=🐧 bird=🐦 owl=🦉 unicorn_face=🦄 bee=🐝 bug=🐛
butterfly=🦋 snail=🐌 turtle=🐢 snake=🐍 octopus=🐙 fish=🐟 whale=🐳 dolphin=🐬 crab=🦀
cactus=🌵 evergreen_tree=🌲 deciduous_tree=🌳 seedling=🌱 herb=🌿 four_leaf_clover=🍀
maple_leaf=🍁 fallen_leaf=🍂 rose=🌹 sunflower=🌻 tulip=🌷 cherry_blossom=🌸 bouquet=💐
apple=🍎 green_apple=🍏 banana=🍌 watermelon=🍉 grapes=🍇 strawberry=🍓 peach=🍑
cherries=🍒 lemon=🍋 avocado=🥑 eggplant=🍆 tomato=🍅 carrot=🥕 corn=🌽 hot_pepper=🌶️
bread=🍞 cheese_wedge=🧀 egg=🥚 bacon=🥓 hamburger=🍔 fries=🍟 pizza=🍕 hotdog=🌭 taco=🌮
burrito=🌯 popcorn=🍿 sushi=🍣 ramen=🍜 spaghetti=🍝 cookie=🍪 cake=🍰 birthday=🎂
doughnut=🍩 chocolate_bar=🍫 candy=🍬 lollipop=🍭 ice_cream=🍨 coffee=☕ tea=🍵 beer=🍺
beers=🍻 wine_glass=🍷 cocktail=🍸 tropical_drink=🍹 champagne=🍾 clinking_glasses=🥂
tumbler_glass=🥃 cup_with_straw=🥤
soccer=⚽ basketball=🏀 football=🏈 baseball=⚾ tennis=🎾 trophy=🏆 sports_medal=🏅
first_place_medal=🥇 second_place_medal=🥈 third_place_medal=🥉 video_game=🎮 dart=🎯
game_die=🎲 jigsaw=🧩 tada=🎉 confetti_ball=🎊 balloon=🎈 gift=🎁 ribbon=🎀
christmas_tree=🎄 jack_o_lantern=🎃 art=🎨 musical_note=🎵 notes=🎶 microphone=🎤
headphones=🎧 guitar=🎸 rocket=🚀 airplane=✈️ car=🚗 taxi=🚕 bus=🚌 train2=🚆 ship=🚢
bike=🚲 rotating_light=🚨 construction=🚧 vertical_traffic_light=🚦 anchor=⚓ house=🏠
office=🏢 hospital=🏥 tent=⛺ watch=⌚ iphone=📱 computer=💻 keyboard=⌨️
desktop_computer=🖥️ printer=🖨️ floppy_disk=💾 cd=💿 camera=📷 movie_camera=🎥 tv=📺
radio=📻 hourglass=⌛ hourglass_flowing_sand=⏳ alarm_clock=⏰ stopwatch=⏱️ battery=🔋
electric_plug=🔌 bulb=💡 flashlight=🔦 moneybag=💰 dollar=💵 credit_card=💳 gem=💎
wrench=🔧 hammer=🔨 hammer_and_wrench=🛠️ gear=⚙️ nut_and_bolt=🔩 chains=⛓️ link=🔗
lock=🔒 unlock=🔓 key=🔑 old_key=🗝️ bell=🔔 no_bell=🔕 mag=🔍 mag_right=🔎 bookmark=🔖
books=📚 book=📖 memo=📝 pencil2=✏️ scissors=✂️ pushpin=📌 round_pushpin=📍
paperclip=📎 straight_ruler=📏 calendar=📆 date=📅 spiral_calendar_pad=🗓️ clipboard=📋
file_folder=📁 open_file_folder=📂 page_facing_up=📄 chart_with_upwards_trend=📈
chart_with_downwards_trend=📉 bar_chart=📊 email=✉️ incoming_envelope=📨 inbox_tray=📥
outbox_tray=📤 package=📦 mailbox=📫 label=🏷️ loudspeaker=📢 mega=📣 wastebasket=🗑️
bomb=💣 pill=💊 syringe=💉 dna=🧬 microscope=🔬 telescope=🔭 satellite_antenna=📡
crystal_ball=🔮 shield=🛡️ crossed_swords=⚔️ thermometer=🌡️
white_check_mark=✅ heavy_check_mark=✔️ ballot_box_with_check=☑️ x=❌
negative_squared_cross_mark=❎ heavy_multiplication_x=✖️ heavy_plus_sign=➕
heavy_minus_sign=➖ question=❓ grey_question=❔ exclamation=❗ grey_exclamation=❕
bangbang=‼️ interrobang=⁉️ warning=⚠️ no_entry=⛔ no_entry_sign=🚫 octagonal_sign=🛑
recycle=♻️ red_circle=🔴 large_blue_circle=🔵 large_orange_circle=🟠
large_yellow_circle=🟡 large_green_circle=🟢 large_purple_circle=🟣 white_circle=⚪
black_circle=⚫ large_red_square=🟥 large_green_square=🟩 large_yellow_square=🟨
arrow_up=⬆️ arrow_down=⬇️ arrow_left=⬅️ arrow_right=➡️ arrows_counterclockwise=🔄
repeat=🔁 arrow_forward=▶️ fast_forward=⏩ rewind=⏪ double_vertical_bar=⏸️
black_square_for_stop=⏹️ new=🆕 free=🆓 up=🆙 cool=🆒 ok=🆗 sos=🆘 information_source=ℹ️
copyright=©️ registered=®️ tm=™️ hash=#️⃣ zero=0️⃣ one=1️⃣ two=2️⃣ three=3️⃣ four=4️⃣
five=5️⃣ six=6️⃣ seven=7️⃣ eight=8️⃣ nine=9️⃣ keycap_ten=🔟 checkered_flag=🏁
triangular_flag_on_post=🚩 waving_white_flag=🏳️ waving_black_flag=🏴 rainbow-flag=🏳️‍🌈
heavy_dollar_sign=💲 infinity=♾️ peace_symbol=☮️ radioactive_sign=☢️ biohazard_sign=☣️
sparkle=❇️ eight_spoked_asterisk=✳️ o=⭕ small_red_triangle=🔺 small_red_triangle_down=🔻
large_blue_diamond=🔷 large_orange_diamond=🔶 beginner=🔰 high_brightness=🔆 mute=🔇
sound=🔉 loud_sound=🔊 speaker=🔈`;

// Other names of the same emoji (alias=name).
const ALIASES = `
thumbsup=+1 thumbsdown=-1 satisfied=laughing rolling_on_the_floor_laughing=rofl
grinning_face_with_star_eyes=star-struck hand_with_index_and_middle_fingers_crossed=crossed_fingers
hugs=hugging_face thinking=thinking_face roll_eyes=face_with_rolling_eyes
cowboy_hat_face=face_with_cowboy_hat pout=rage cursing_face=face_with_symbols_on_mouth
robot=robot_face poop=hankey shit=hankey collision=boom punch=facepunch hand=raised_hand
metal=the_horns sign_of_the_horns=the_horns love_you_gesture=i_love_you_hand_sign
heavy_exclamation_mark=exclamation envelope=email pencil=memo cheese=cheese_wedge
facepalm=face_palm moon=crescent_moon medal=sports_medal frowning_face=white_frowning_face
monocle_face=face_with_monocle hand_over_mouth=face_with_hand_over_mouth stop_sign=octagonal_sign
radioactive=radioactive_sign biohazard=biohazard_sign train=train2 red_car=car
spiral_calendar=spiral_calendar_pad satellite=satellite_antenna white_flag=waving_white_flag
black_flag=waving_black_flag`;

const EMOJI = new Map();
for (const pair of TABLE.trim().split(/\s+/)) {
  const k = pair.indexOf('=', 1);
  EMOJI.set(pair.slice(0, k), pair.slice(k + 1));
}
for (const pair of ALIASES.trim().split(/\s+/)) {
  const [alias, name] = pair.split('=');
  EMOJI.set(alias, EMOJI.get(name));
}

/** The glyph for a shortcode's name (`smile`, `+1`), or null when it is not a known one. */
export const emoji = (name) => EMOJI.get(name) || null;
